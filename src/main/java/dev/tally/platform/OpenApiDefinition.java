package dev.tally.platform;

import jakarta.ws.rs.core.Application;
import org.eclipse.microprofile.openapi.annotations.Components;
import org.eclipse.microprofile.openapi.annotations.OpenAPIDefinition;
import org.eclipse.microprofile.openapi.annotations.enums.SecuritySchemeIn;
import org.eclipse.microprofile.openapi.annotations.enums.SecuritySchemeType;
import org.eclipse.microprofile.openapi.annotations.info.Info;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.security.SecurityScheme;

/**
 * The OpenAPI document's security, declared once: every operation requires an API key, in either scheme
 * (security.AuthFilter takes it from {@code Authorization: Bearer}, {@code X-Api-Key} or Basic on every route), so
 * a resource states nothing about it and a new feature cannot forget it. The info values below are required by the
 * annotation; application.properties' {@code quarkus.smallrye-openapi.info-*} take precedence over them.
 *
 * <p>It is an {@link Application} because SmallRye OpenAPI reads {@code @OpenAPIDefinition} from there only; it
 * declares no path and no classes, so Quarkus still serves every resource at the root as before.
 */
@OpenAPIDefinition(
    info = @Info(title = "Tally", version = "0.1.0"),
    security = {
        @SecurityRequirement(name = OpenApiDefinition.BEARER),
        @SecurityRequirement(name = OpenApiDefinition.HEADER)},
    components = @Components(securitySchemes = {
        @SecurityScheme(securitySchemeName = OpenApiDefinition.BEARER, type = SecuritySchemeType.HTTP, scheme = "bearer",
            description = "An API key: Authorization: Bearer <key>. Roles: ingest (POST /events for its client), read "
                + "(its clients' aggregates, events and raw events), admin (everything). Missing or revoked: 401; "
                + "outside the role: 403; over the key's rate limit: 429 with Retry-After. Nothing is stored for "
                + "refused requests."),
        @SecurityScheme(securitySchemeName = OpenApiDefinition.HEADER, type = SecuritySchemeType.APIKEY,
            in = SecuritySchemeIn.HEADER, apiKeyName = "X-Api-Key",
            description = "The same API key in the X-Api-Key header.")}))
public class OpenApiDefinition extends Application {

  static final String BEARER = "bearer";
  static final String HEADER = "apiKeyHeader";
}

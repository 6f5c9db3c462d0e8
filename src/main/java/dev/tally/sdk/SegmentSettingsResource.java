package dev.tally.sdk;

import dev.tally.platform.AnyQueryParameters;
import dev.tally.security.Allowed;
import dev.tally.security.CrossOrigin;
import dev.tally.security.KeyMayBeInBody;
import dev.tally.security.Role;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.net.URI;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * The project settings Segment's analytics.js loads before anything else ({@code cdnURL} pointed at Tally): only its
 * own Segment.io destination, with apiHost Tally's /v1, so every event goes to Tally and nowhere else — no other
 * destination, no remote plugin, no middleware, no metrics to Segment (sampleRate 0).
 */
@Tag(name = "SDK: Segment and RudderStack")
@Path("/v1/projects")
@Produces(MediaType.APPLICATION_JSON)
@AnyQueryParameters
@Allowed(Role.INGEST)
// The write key is in the path: analytics.js sends no header with this request.
@KeyMayBeInBody
@CrossOrigin
@RegisterForReflection(fields = false)
public class SegmentSettingsResource {

  @Inject SdkConfigs configs;

  @GET
  @Path("/{writeKey}/settings")
  @Operation(summary = "analytics.js' project settings (cdnURL = Tally)",
      description = "The write key (a Tally ingest key) in the path. Answers the Segment.io integration with apiHost = "
          + "Tally's /v1 (tally.browser.public-url, or the address of this request) and nothing else.")
  @APIResponse(responseCode = "200", description = "The settings")
  @APIResponse(responseCode = "401", description = "Unknown or revoked key")
  @APIResponse(responseCode = "403", description = "Not an ingest key, or the page's origin is not among the key's allowedOrigins")
  public Uni<Response> settings(@PathParam("writeKey") String writeKey, @Context UriInfo uri) {
    return configs.answer(Protocol.SEGMENT, writeKey, () -> settings(writeKey.strip(), configs.publicUrl(uri)));
  }

  /** {@code apiKey}: analytics.js puts it in every event as writeKey, which is how Tally finds the key of its /v1/t posts. */
  static Map<String, Object> settings(String writeKey, URI tally) {
    String apiHost = tally.getRawAuthority() + (tally.getRawPath() == null ? "" : tally.getRawPath()) + "/v1";
    return Map.of(
        "integrations", Map.of("Segment.io", Map.of(
            "apiKey", writeKey,
            "apiHost", apiHost,
            "protocol", tally.getScheme(),
            "unbundledIntegrations", List.of(),
            "addBundledMetadata", false,
            "maybeBundledConfigIds", Map.of())),
        "plan", Map.of("track", Map.of("__default", Map.of("enabled", true, "integrations", Map.of()))),
        "edgeFunction", Map.of(),
        "analyticsNextEnabled", true,
        "middlewareSettings", Map.of(),
        "enabledMiddleware", Map.of(),
        "metrics", Map.of("sampleRate", 0),
        "legacyVideoPluginsEnabled", false,
        "remotePlugins", List.of());
  }
}

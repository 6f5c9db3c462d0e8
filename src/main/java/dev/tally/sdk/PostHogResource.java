package dev.tally.sdk;

import dev.tally.ingest.SentContentType;
import dev.tally.platform.AnyQueryParameters;
import dev.tally.security.Allowed;
import dev.tally.security.CrossOrigin;
import dev.tally.security.KeyMayBeInBody;
import dev.tally.security.Role;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * PostHog's capture API: point {@code posthog-node}'s {@code host} at Tally and use a Tally ingest key as the
 * project API key (sent as api_key in the body). Every event is one raw row; captures are normalized through the
 * client's mapping (see the posthog preset), PostHog's own $-prefixed events are kept raw and refused.
 */
@Tag(name = "SDK: PostHog")
@Path("/")
@Consumes(MediaType.WILDCARD)
@Produces(MediaType.APPLICATION_JSON)
@AnyQueryParameters
// Only a key bound to one client: SDK messages carry no clientId of their own.
@Allowed(Role.INGEST)
@KeyMayBeInBody
@CrossOrigin
// Its methods' access rules are read reflectively by security.AuthFilter, in the native executable too.
@RegisterForReflection(fields = false)
public class PostHogResource {

  @Inject SdkIngest sdk;
  @Inject SentContentType sent;

  @POST
  @Path("/batch")
  @Operation(summary = "A batch of PostHog events",
      description = "{\"api_key\",\"batch\":[...],\"sent_at\"}; gzip bodies accepted. 200 {\"status\":1,...} with one result per event.")
  @APIResponse(responseCode = "200", description = "Every event stored raw; results say which were counted")
  @APIResponse(responseCode = "400", description = "The body is not JSON; kept raw")
  @APIResponse(responseCode = "401", description = "No api_key, or an unknown or revoked one; nothing stored")
  @APIResponse(responseCode = "403", description = "Not an ingest key bound to one client; nothing stored")
  @APIResponse(responseCode = "413", description = "Over tally.ingest.max-body-bytes (decoded) or max-batch-size; nothing stored")
  @APIResponse(responseCode = "429", description = "Over the key's rate limit; the SDK retries")
  @APIResponse(responseCode = "503", description = "Database unavailable; the SDK retries, and retries are never counted twice")
  public Uni<Response> batch(@Context UriInfo uri, @Context HttpHeaders headers, @QueryParam("compression") String compression,
      byte[] body) {
    return handle(uri, headers, compression, body);
  }

  @POST
  @Path("/{route: capture|e|i/v0/e}")
  @Operation(summary = "One event, an array of events or a batch — PostHog's capture routes (/e/ and /i/v0/e/ are posthog-js')",
      description = "JSON, gzip (?compression=gzip-js, any Content-Type, text/plain from sendBeacon) or posthog-js' base64 form"
          + " (?compression=base64, data=<base64 of the JSON>).")
  public Uni<Response> capture(
      @PathParam("route") @Parameter(schema = @Schema(enumeration = {"capture", "e", "i/v0/e"})) String route,
      @Context UriInfo uri, @Context HttpHeaders headers, @QueryParam("compression") String compression, byte[] body) {
    return handle(uri, headers, compression, body);
  }

  private Uni<Response> handle(UriInfo uri, HttpHeaders headers, String compression, byte[] body) {
    return sdk.handle(new SdkIngest.Call(Protocol.POSTHOG, uri.getPath(), sent.or(headers.getHeaderString(HttpHeaders.CONTENT_TYPE)),
        headers.getHeaderString(HttpHeaders.CONTENT_ENCODING), compression, body));
  }
}

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
 * Segment's HTTP tracking API, which RudderStack's SDKs speak too: point {@code @segment/analytics-node}'s
 * {@code host} or {@code @rudderstack/rudder-sdk-node}'s {@code dataPlaneUrl} at Tally and use a Tally ingest key
 * as the write key. Every message is one raw row; track messages are normalized through the client's mapping
 * (see the segment and rudderstack presets), the others are kept raw and refused.
 */
@Tag(name = "SDK: Segment and RudderStack")
@Path("/v1")
@Consumes(MediaType.WILDCARD)
@Produces(MediaType.APPLICATION_JSON)
@AnyQueryParameters
// Only a key bound to one client: SDK messages carry no clientId of their own.
@Allowed(Role.INGEST)
@KeyMayBeInBody
@CrossOrigin
// Its methods' access rules are read reflectively by security.AuthFilter, in the native executable too.
@RegisterForReflection(fields = false)
public class SegmentResource {

  @Inject SdkIngest sdk;
  @Inject SentContentType sent;

  @POST
  @Path("/{route: batch|import|b}")
  @Operation(summary = "A batch of Segment/RudderStack messages (/v1/import is Segment's historical name for it, /v1/b analytics.js')",
      description = "{\"batch\":[...],\"sentAt\",\"context\",\"writeKey\"}; the key as HTTP Basic user name or writeKey. "
          + "gzip/deflate bodies and any Content-Type are accepted. 200 {\"success\":true,...} with one result per message.")
  @APIResponse(responseCode = "200", description = "Every message stored raw; results say which were counted")
  @APIResponse(responseCode = "400", description = "The body is not JSON; kept raw. The SDK does not retry a 4xx")
  @APIResponse(responseCode = "401", description = "No key, or an unknown or revoked one; nothing stored")
  @APIResponse(responseCode = "403", description = "Not an ingest key bound to one client; nothing stored")
  @APIResponse(responseCode = "413", description = "Over tally.ingest.max-body-bytes (decoded) or max-batch-size; nothing stored")
  @APIResponse(responseCode = "429", description = "Over the key's rate limit; the SDK retries")
  @APIResponse(responseCode = "503", description = "Database unavailable; the SDK retries, and retries are never counted twice")
  public Uni<Response> batch(
      @PathParam("route") @Parameter(schema = @Schema(enumeration = {"batch", "import", "b"})) String route,
      @Context UriInfo uri, @Context HttpHeaders headers, byte[] body) {
    return handle(uri, headers, body);
  }

  @POST
  @Path("/{track: track|t}")
  @Operation(summary = "One track message (/v1/t is analytics.js' name for it)",
      description = "Counted through the client's mapping; 200 {\"success\":true,...}. analytics.js sends text/plain, its key"
          + " as Basic user name and writeKey, and on page unload with fetch keepalive.")
  public Uni<Response> track(
      @PathParam("track") @Parameter(schema = @Schema(enumeration = {"track", "t"})) String track,
      @Context UriInfo uri, @Context HttpHeaders headers, byte[] body) {
    return handle(uri, headers, body);
  }

  @POST
  @Path("/{call: identify|page|screen|group|alias|i|p|s|g|a}")
  @Operation(summary = "One identify, page, screen, group or alias message (analytics.js: /v1/i, /v1/p, /v1/s, /v1/g, /v1/a)",
      description = "Kept raw and refused with unsupported_message_type: these describe users and pages, not measurements")
  public Uni<Response> other(
      @PathParam("call") @Parameter(schema = @Schema(enumeration = {"identify", "page", "screen", "group", "alias", "i", "p", "s", "g",
          "a"})) String call,
      @Context UriInfo uri, @Context HttpHeaders headers, byte[] body) {
    return handle(uri, headers, body);
  }

  private Uni<Response> handle(UriInfo uri, HttpHeaders headers, byte[] body) {
    return sdk.handle(new SdkIngest.Call(Protocol.SEGMENT, uri.getPath(), sent.or(headers.getHeaderString(HttpHeaders.CONTENT_TYPE)),
        headers.getHeaderString(HttpHeaders.CONTENT_ENCODING), null, body));
  }
}

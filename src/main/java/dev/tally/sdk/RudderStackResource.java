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
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * RudderStack's JavaScript SDK beyond the Segment routes it shares: the source configuration it loads first
 * ({@code configUrl} pointed at Tally) — an enabled source with no destination, error and metrics reporting off — and
 * the batch its BeaconQueue sends with navigator.sendBeacon, which cannot set headers, so the write key is in the query.
 */
@Tag(name = "SDK: Segment and RudderStack")
@Path("/")
@Consumes(MediaType.WILDCARD)
@Produces(MediaType.APPLICATION_JSON)
@AnyQueryParameters
@Allowed(Role.INGEST)
@KeyMayBeInBody
@CrossOrigin
@RegisterForReflection(fields = false)
public class RudderStackResource {

  @Inject SdkConfigs configs;
  @Inject SdkIngest sdk;
  @Inject SentContentType sent;

  @GET
  @Path("/sourceConfig")
  @Operation(summary = "RudderStack's source configuration (configUrl = Tally)",
      description = "The write key as HTTP Basic user name (as the SDK sends it) or writeKey in the query. An enabled "
          + "source without destinations: events go to the dataPlaneUrl (Tally) only.")
  @APIResponse(responseCode = "200", description = "The source configuration")
  @APIResponse(responseCode = "401", description = "No key, or an unknown or revoked one")
  @APIResponse(responseCode = "403", description = "Not an ingest key, or the page's origin is not among the key's allowedOrigins")
  public Uni<Response> sourceConfig(@QueryParam("writeKey") String writeKey) {
    return configs.answer(Protocol.SEGMENT, writeKey, RudderStackResource::sourceConfig);
  }

  static Map<String, Object> sourceConfig() {
    Map<String, Object> off = Map.of("enabled", false);
    return Map.of(
        "isHosted", false,
        "source", Map.of(
            "id", "tally",
            "name", "Tally",
            "workspaceId", "tally",
            "enabled", true,
            "config", Map.of("statsCollection", Map.of("errors", off, "metrics", off)),
            "destinations", List.of(),
            "connections", List.of()));
  }

  @POST
  @Path("/beacon/v1/batch")
  @Operation(summary = "A batch sent with navigator.sendBeacon (RudderStack's useBeacon)",
      description = "{\"batch\":[...],\"sentAt\"} as text/plain, the write key in ?writeKey=. Answered as POST /v1/batch.")
  public Uni<Response> beacon(@QueryParam("writeKey") String writeKey, @Context UriInfo uri, @Context HttpHeaders headers, byte[] body) {
    return sdk.handle(new SdkIngest.Call(Protocol.SEGMENT, uri.getPath(), sent.or(headers.getHeaderString(HttpHeaders.CONTENT_TYPE)),
        headers.getHeaderString(HttpHeaders.CONTENT_ENCODING), null, writeKey, body));
  }
}

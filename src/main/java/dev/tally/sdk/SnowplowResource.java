package dev.tally.sdk;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * Snowplow's tracker protocol, as its browser tracker sends it with Tally as the collector: {@code POST
 * /com.snowplowanalytics.snowplow/tp2} (payload_data: {"schema", "data": [events]}) and the GET pixel {@code /i} (one
 * event in the query, answered with a 1x1 GIF). The key comes in X-Api-Key or Authorization: Bearer (the tracker's
 * customHeaders) or, where no header can be added, in the collector's path: endpoint {@code <tally>/k/<key>}.
 * Every event is one raw row, deduplicated by its eid through the snowplow preset.
 */
@Tag(name = "SDK: Snowplow")
@Path("/")
@Consumes(MediaType.WILDCARD)
@Produces(MediaType.APPLICATION_JSON)
@AnyQueryParameters
@Allowed(Role.INGEST)
// The key may be in the collector path instead of a header.
@KeyMayBeInBody
@CrossOrigin
@RegisterForReflection(fields = false)
public class SnowplowResource {

  /** The smallest transparent GIF: what a tracking pixel answers. */
  private static final byte[] PIXEL = Base64.getDecoder().decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7");
  private static final ObjectMapper JSON = new ObjectMapper();

  @Inject SdkIngest sdk;
  @Inject SentContentType sent;

  @POST
  @Path("/com.snowplowanalytics.snowplow/tp2")
  @Operation(summary = "Snowplow tracker protocol: a batch of events (payload_data)",
      description = "{\"schema\":\"iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4\",\"data\":[...]}; the key"
          + " in X-Api-Key or Authorization: Bearer. 200 with one result per event.")
  @APIResponse(responseCode = "200", description = "Every event stored raw; results say which were counted")
  @APIResponse(responseCode = "400", description = "The body is not JSON; kept raw")
  @APIResponse(responseCode = "401", description = "No key, or an unknown or revoked one; nothing stored")
  @APIResponse(responseCode = "403", description = "Not an ingest key, or an origin the key does not allow; nothing stored")
  public Uni<Response> post(@Context UriInfo uri, @Context HttpHeaders headers, byte[] body) {
    return post(null, uri, headers, body);
  }

  @POST
  @Path("/k/{key}/com.snowplowanalytics.snowplow/tp2")
  @Operation(summary = "Snowplow tracker protocol with the key in the collector path (endpoint <tally>/k/<key>)")
  public Uni<Response> postWithKey(@PathParam("key") String key, @Context UriInfo uri, @Context HttpHeaders headers, byte[] body) {
    return post(key, uri, headers, body);
  }

  @GET
  @Path("/i")
  @Produces({"image/gif", MediaType.APPLICATION_JSON})
  @Operation(summary = "Snowplow's GET pixel: one event as query parameters (e, eid, dtm, se_ca, ue_px, ...)",
      description = "Answered with a 1x1 GIF when stored; a problem+json otherwise.")
  @APIResponse(responseCode = "200", description = "Stored raw (counted or not: the raw row says)")
  public Uni<Response> pixel(@Context UriInfo uri) {
    return pixel(null, uri);
  }

  @GET
  @Path("/k/{key}/i")
  @Produces({"image/gif", MediaType.APPLICATION_JSON})
  @Operation(summary = "Snowplow's GET pixel with the key in the collector path")
  public Uni<Response> pixelWithKey(@PathParam("key") String key, @Context UriInfo uri) {
    return pixel(key, uri);
  }

  private Uni<Response> post(String key, UriInfo uri, HttpHeaders headers, byte[] body) {
    return sdk.handle(new SdkIngest.Call(Protocol.SNOWPLOW, endpoint(key, uri), sent.or(headers.getHeaderString(HttpHeaders.CONTENT_TYPE)),
        headers.getHeaderString(HttpHeaders.CONTENT_ENCODING), null, key, body));
  }

  private Uni<Response> pixel(String key, UriInfo uri) {
    return sdk.handle(new SdkIngest.Call(Protocol.SNOWPLOW, endpoint(key, uri), null, null, null, key, event(uri.getQueryParameters())))
        .map(response -> response.getStatus() == 200
            ? Response.ok(PIXEL, "image/gif").header("Cache-Control", "no-store").build()
            : response);
  }

  /** The path as stored in the raw rows' envelope: never the key. */
  private static String endpoint(String key, UriInfo uri) {
    return key == null ? uri.getPath() : uri.getPath().replace("/k/" + key + "/", "/k/[redacted]/");
  }

  /** The pixel's query as the event it is: one member per parameter (a repeated one keeps its first value). */
  private static byte[] event(Map<String, List<String>> query) {
    ObjectNode event = JsonNodeFactory.instance.objectNode();
    query.forEach((name, values) -> event.put(name, values.isEmpty() ? "" : values.get(0)));
    try {
      return JSON.writeValueAsBytes(event);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialize a JSON tree", e);
    }
  }
}

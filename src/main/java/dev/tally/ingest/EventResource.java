package dev.tally.ingest;

import dev.tally.platform.BodyLimitFilter;
import dev.tally.platform.InFlightBodies;
import dev.tally.platform.TallyConfig;
import dev.tally.security.Allowed;
import dev.tally.security.CrossOrigin;
import dev.tally.security.Caller;
import dev.tally.security.CurrentCaller;
import dev.tally.security.Role;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.ExampleObject;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/** POST /events: one event, a JSON array or NDJSON (GET /events/{fingerprint} is inspect.EventLookupResource). */
@Path("/events")
// Its methods are read reflectively by platform.QueryParameterFilter and security.AuthFilter, in the native executable too.
@RegisterForReflection(fields = false)
@Allowed({Role.INGEST, Role.ADMIN})
// Browsers may post events with an ingest key, from the origins the key allows.
@CrossOrigin
public class EventResource {

  @Inject IngestService ingest;
  @Inject TallyConfig config;
  @Inject CurrentCaller caller;
  @Inject InFlightBodies inFlight;
  @Inject SentContentType sentContentType;

  @POST
  @Consumes(MediaType.WILDCARD)
  @Produces(MediaType.APPLICATION_JSON)
  @Operation(summary = "Ingest one event or a batch",
      description = "Accepts any JSON: the raw body is stored first, then normalized into the canonical event. "
          + "A JSON array or application/x-ndjson body is a batch and is answered 200 with one result per element. "
          + "Content-Encoding gzip or deflate is decoded first; the size limit applies to the decoded body.")
  @RequestBody(content = @Content(mediaType = MediaType.APPLICATION_JSON, examples = {
      @ExampleObject(name = "single", value = Examples.SINGLE_REQUEST),
      @ExampleObject(name = "batch", value = Examples.BATCH_REQUEST)}))
  @APIResponse(responseCode = "201", description = "New event stored",
      content = @Content(examples = @ExampleObject(name = "accepted", value = Examples.ACCEPTED)))
  @APIResponse(responseCode = "200", description = "A retry of a stored event (single), or a batch's results",
      content = @Content(examples = {
          @ExampleObject(name = "duplicate", value = Examples.DUPLICATE),
          @ExampleObject(name = "batch", value = Examples.BATCH_RESPONSE)}))
  @APIResponse(responseCode = "400", description = "Body is not JSON, or not an object or array; kept raw",
      content = @Content(examples = @ExampleObject(name = "unparseable", value = Examples.UNPARSEABLE)))
  @APIResponse(responseCode = "409", description = "Same eventId, different content; the stored event is unchanged",
      content = @Content(examples = @ExampleObject(name = "conflict", value = Examples.CONFLICT)))
  @APIResponse(responseCode = "401", description = "No API key, or an unknown or revoked one; nothing stored (problem+json)")
  @APIResponse(responseCode = "403", description = "The key may not ingest (a read key); nothing stored (problem+json)")
  @APIResponse(responseCode = "413", description = "Body or batch over its limit; nothing stored (problem+json)")
  @APIResponse(responseCode = "429", description = "The key is over its rate limit on this replica; nothing stored, retry after Retry-After")
  @APIResponse(responseCode = "422", description = "Cannot be normalized (or names another client than an ingest key's: client_mismatch); kept raw with every reason",
      content = @Content(examples = @ExampleObject(name = "rejected", value = Examples.REJECTED)))
  @APIResponse(responseCode = "503", description = "Database unavailable, or no answer within tally.ingest.request-deadline; "
      + "nothing acknowledged, retry after Retry-After (the same body: a retry is never counted twice)")
  public Uni<Response> ingest(
      @HeaderParam(HttpHeaders.CONTENT_TYPE) String contentType,
      @HeaderParam(HttpHeaders.CONTENT_ENCODING) String contentEncoding,
      byte[] body) {
    BodyDecoder.Result decoded = BodyDecoder.decode(body, contentEncoding, config.ingest().maxBodyBytes());
    if (decoded instanceof BodyDecoder.TooLarge tooLarge) {
      return Uni.createFrom().item(BodyLimitFilter.tooLarge(tooLarge.receivedBytes(), tooLarge.limit()));
    }
    if (decoded instanceof BodyDecoder.Decoded d && !inFlight.tryHoldDecoded(body, d.bytes())) {
      return Uni.createFrom().item(inFlight.busy());
    }
    Caller sender = caller.get();
    // The header as the client sent it, also when ContentTypeFilter had to stand in for one no parser understands.
    String sentType = sentContentType.or(contentType);
    Uni<IngestOutcome> pipeline = decoded instanceof BodyDecoder.Decoded d
        ? ingest.ingest(d.bytes(), sentType, sender.keyId(), sender.boundClientId())
        // Not decodable (broken gzip, an unknown coding): kept raw exactly as received.
        : ingest.unparseable(body, sentType, ((BodyDecoder.Undecodable) decoded).message(), null, sender.keyId(),
            sender.boundClientId()).map(IngestOutcome.Single::new);
    return Deadline.within(pipeline, config.ingest().requestDeadline()).map(EventResource::toResponse);
  }

  private static Response toResponse(IngestOutcome outcome) {
    if (outcome instanceof IngestOutcome.Single single) {
      return Response.status(single.result().httpStatus()).type(MediaType.APPLICATION_JSON).entity(single.result()).build();
    }
    return Response.ok(((IngestOutcome.Batch) outcome).result(), MediaType.APPLICATION_JSON).build();
  }
}

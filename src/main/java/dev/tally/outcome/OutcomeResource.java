package dev.tally.outcome;

import dev.tally.platform.TallyConfig;
import dev.tally.security.Allowed;
import dev.tally.security.CurrentCaller;
import dev.tally.security.Role;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Instant;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.headers.Header;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.ExampleObject;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/** GET /outcomes: what happened to received events, per client and hour (day), and the top rejection codes. */
@Path("/outcomes")
// Its methods are read reflectively by platform.QueryParameterFilter and security.AuthFilter, in the native executable too.
@RegisterForReflection(fields = false)
public class OutcomeResource {

  /** asOf as a header too, so a 304 still tells how fresh the client's copy is (as on GET /aggregates). */
  static final String AS_OF_HEADER = "Tally-As-Of";

  @Inject OutcomeService service;
  @Inject TallyConfig config;
  @Inject CurrentCaller caller;

  @GET
  @Allowed({Role.READ, Role.ADMIN})
  @Produces(MediaType.APPLICATION_JSON)
  @Operation(summary = "Ingest outcomes over time",
      description = "Raw rows received per client and hour (day) of tz, by current status (accepted, duplicate, rejected, "
          + "conflict, unparseable, pending), and the most frequent rejection codes with example raw ids. Materialized "
          + "incrementally with the aggregates (same refresh, same asOf); a replay that re-settles rows moves them between "
          + "statuses. Poll with If-None-Match: an unchanged answer is 304.")
  @APIResponse(responseCode = "200", description = "Buckets ordered by clientId and time, then the codes",
      headers = {
          @Header(name = "ETag", description = "Names the view generation and the query; send it back as If-None-Match"),
          @Header(name = AS_OF_HEADER, description = "asOf, also on 304 answers")},
      content = @Content(examples = @ExampleObject(name = "hour", value = OutcomeExamples.HOUR)))
  @APIResponse(responseCode = "304", description = "Nothing changed since the ETag given in If-None-Match; no body")
  @APIResponse(responseCode = "400", description = "A parameter is invalid (problem+json naming it)")
  @APIResponse(responseCode = "503", description = "Database unavailable; retry after Retry-After")
  public Uni<Response> get(
      @Parameter(description = "Only this client") @QueryParam("clientId") String clientId,
      @Parameter(description = "Inclusive start (ISO-8601), a whole hour (start of a day) in tz; default: tally.outcomes.default-range before to")
      @QueryParam("from") String from,
      @Parameter(description = "Exclusive end (ISO-8601), a whole hour (start of a day) in tz; default: the end of the current hour (day)")
      @QueryParam("to") String to,
      @Parameter(description = "hour (default) or day") @QueryParam("granularity") String granularity,
      @Parameter(description = "Most buckets returned (tally.aggregates.default-limit, at most tally.aggregates.max-limit)")
      @QueryParam("limit") String limit,
      @Parameter(description = "IANA time zone where hours and days begin (default UTC)") @QueryParam("tz") String tz,
      @HeaderParam(HttpHeaders.IF_NONE_MATCH) String ifNoneMatch) {
    OutcomeQuery query = OutcomeQuery.parse(clientId, from, to, granularity, limit, tz, caller.get().readScope(), config, Instant.now());
    return service.answer(query, ifNoneMatch).map(reply -> {
      Response.ResponseBuilder response = reply.page() == null
          ? Response.notModified()
          : Response.ok(reply.page(), MediaType.APPLICATION_JSON);
      return response
          .header(HttpHeaders.ETAG, reply.etag())
          .header(HttpHeaders.CACHE_CONTROL, "no-cache")
          .header(AS_OF_HEADER, reply.asOf().toString())
          .build();
    });
  }
}

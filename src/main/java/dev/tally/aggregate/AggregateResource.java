package dev.tally.aggregate;

import dev.tally.platform.TallyConfig;
import dev.tally.security.Allowed;
import dev.tally.security.CurrentCaller;
import dev.tally.security.Role;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.headers.Header;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.ExampleObject;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/** GET /aggregates (hourly, daily or total, with conditional requests) and POST /aggregates/refresh. */
@Path("/aggregates")
// Its methods are read reflectively by platform.QueryParameterFilter and security.AuthFilter, in the native executable too.
@RegisterForReflection(fields = false)
public class AggregateResource {

  /** asOf as a header too, so a 304 (which has no body) still tells how fresh the client's copy is. */
  public static final String AS_OF_HEADER = "Tally-As-Of";

  @Inject AggregateService service;
  @Inject AggregateRefresher refresher;
  @Inject TallyConfig config;
  @Inject CurrentCaller caller;

  @GET
  @Allowed({Role.READ, Role.ADMIN})
  @Produces(MediaType.APPLICATION_JSON)
  @Operation(summary = "Read aggregates",
      description = "Count, sum, min, max and avg per client, metric and bucket, from the hourly view (refreshed every "
          + "tally.aggregates.refresh-interval). Every event committed before asOf is counted. Day and total rows are summed "
          + "from the hourly rows of [from, to), UTC days. Poll with If-None-Match: an unchanged answer is 304.")
  @APIResponse(responseCode = "200", description = "The rows, ordered by clientId, metric, bucket",
      headers = {
          @Header(name = "ETag", description = "Names the view generation, the query and the rows; send it back as If-None-Match"),
          @Header(name = AS_OF_HEADER, description = "asOf, also on 304 answers"),
          @Header(name = "Cache-Control", description = "no-cache: revalidate before reuse")},
      content = @Content(examples = {
          @ExampleObject(name = "hour", value = AggregateExamples.HOUR),
          @ExampleObject(name = "total", value = AggregateExamples.TOTAL)}))
  @APIResponse(responseCode = "304", description = "The rows are those of the ETag given in If-None-Match (with the current generation's ETag); no body")
  @APIResponse(responseCode = "400", description = "A parameter is invalid (problem+json naming it)",
      content = @Content(mediaType = "application/problem+json",
          examples = @ExampleObject(name = "granularity", value = AggregateExamples.BAD_GRANULARITY)))
  @APIResponse(responseCode = "503", description = "Database unavailable; retry after Retry-After")
  public Uni<Response> get(
      @Parameter(description = "Only this client") @QueryParam("clientId") String clientId,
      @Parameter(description = "Only this metric") @QueryParam("metric") String metric,
      @Parameter(description = "Inclusive start, a whole UTC hour (ISO-8601)", example = "2024-01-01T00:00:00Z")
      @QueryParam("from") String from,
      @Parameter(description = "Exclusive end, a whole UTC hour (ISO-8601)", example = "2024-01-02T00:00:00Z")
      @QueryParam("to") String to,
      @Parameter(description = "hour (default), day or total") @QueryParam("granularity") String granularity,
      @Parameter(description = "Most rows returned (tally.aggregates.default-limit, at most tally.aggregates.max-limit)")
      @QueryParam("limit") String limit,
      @Parameter(description = "IANA time zone of the buckets; only UTC (the default) until zoned buckets are materialized",
          example = "UTC")
      @QueryParam("tz") String tz,
      @HeaderParam(HttpHeaders.IF_NONE_MATCH) String ifNoneMatch) {
    AggregateQuery query = AggregateQuery.parse(clientId, metric, from, to, granularity, limit, tz, caller.get().readScope(), config.aggregates());
    return service.answer(query, ifNoneMatch).map(AggregateResource::toResponse);
  }

  @POST
  @Path("/refresh")
  @Allowed(Role.ADMIN)
  @Produces(MediaType.APPLICATION_JSON)
  @Operation(summary = "Refresh the aggregates now",
      description = "Waits for a refresh running on any replica (at most tally.aggregates.refresh-wait-timeout), then "
          + "refreshes if any event changed since; returns the new asOf. refreshed is false when nothing had changed.")
  @APIResponse(responseCode = "200", content = @Content(examples = @ExampleObject(name = "refreshed", value = AggregateExamples.REFRESH)))
  @APIResponse(responseCode = "503", description = "Database unavailable, or the wait for a running refresh timed out")
  public Uni<RefreshResult> refresh() {
    return refresher.refreshNow().map(RefreshResult::of);
  }

  private static Response toResponse(AggregateService.Reply reply) {
    Response.ResponseBuilder response = reply.page() == null
        ? Response.notModified()
        : Response.ok(reply.page(), MediaType.APPLICATION_JSON);
    return response
        .header(HttpHeaders.ETAG, reply.etag())
        .header(HttpHeaders.CACHE_CONTROL, "no-cache")
        .header(AS_OF_HEADER, reply.state().asOf().toString())
        .build();
  }
}

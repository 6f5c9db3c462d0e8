package dev.tally.aggregate;

import dev.tally.platform.BadRequestException;
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
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.headers.Header;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.ExampleObject;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/**
 * GET /aggregates (hourly, daily or total, in any zone, with conditional requests), POST /aggregates/refresh and the
 * admin rebuild (POST /aggregates/rebuild, GET /aggregates/rebuilds/{id}).
 */
@Path("/aggregates")
// Its methods are read reflectively by platform.QueryParameterFilter and security.AuthFilter, in the native executable too.
@RegisterForReflection(fields = false)
public class AggregateResource {

  /** asOf as a header too, so a 304 (which has no body) still tells how fresh the client's copy is. */
  public static final String AS_OF_HEADER = "Tally-As-Of";

  @Inject AggregateService service;
  @Inject AggregateRefresher refresher;
  @Inject AggregateRebuilder rebuilder;
  @Inject TallyConfig config;
  @Inject CurrentCaller caller;

  @GET
  @Allowed({Role.READ, Role.ADMIN})
  @Produces(MediaType.APPLICATION_JSON)
  @Operation(summary = "Read aggregates",
      description = "Count, sum, min, max and avg per client, metric and bucket, from the materialized aggregates (refreshed "
          + "incrementally every tally.aggregates.refresh-interval). Every event committed before asOf is counted. Hours and "
          + "days begin in tz (default UTC), exactly, DST included; totals cover [from, to). Poll with If-None-Match: an "
          + "unchanged answer is 304.")
  @APIResponse(responseCode = "200", description = "The rows, ordered by clientId, metric, bucket",
      headers = {
          @Header(name = "ETag", description = "Names the view generation, the query and the rows; send it back as If-None-Match"),
          @Header(name = AS_OF_HEADER, description = "asOf, also on 304 answers"),
          @Header(name = "Cache-Control", description = "no-cache: revalidate before reuse")},
      content = @Content(examples = {
          @ExampleObject(name = "hour", value = AggregateExamples.HOUR),
          @ExampleObject(name = "day in Asia/Kolkata", value = AggregateExamples.DAY_KOLKATA),
          @ExampleObject(name = "total", value = AggregateExamples.TOTAL)}))
  @APIResponse(responseCode = "304", description = "The rows are those of the ETag given in If-None-Match (with the current generation's ETag); no body")
  @APIResponse(responseCode = "400", description = "A parameter is invalid (problem+json naming it): an unknown tz, from/to not on "
      + "whole hours (days) of tz, ...",
      content = @Content(mediaType = "application/problem+json",
          examples = @ExampleObject(name = "granularity", value = AggregateExamples.BAD_GRANULARITY)))
  @APIResponse(responseCode = "503", description = "Database unavailable; retry after Retry-After")
  public Uni<Response> get(
      @Parameter(description = "Only this client") @QueryParam("clientId") String clientId,
      @Parameter(description = "Only this metric") @QueryParam("metric") String metric,
      @Parameter(description = "Inclusive start (ISO-8601): a whole hour in tz, the start of a day in tz for granularity day",
          example = "2024-01-01T00:00:00Z")
      @QueryParam("from") String from,
      @Parameter(description = "Exclusive end (ISO-8601): a whole hour in tz, the start of a day in tz for granularity day",
          example = "2024-01-02T00:00:00Z")
      @QueryParam("to") String to,
      @Parameter(description = "hour (default), day or total") @QueryParam("granularity") String granularity,
      @Parameter(description = "Most rows returned (tally.aggregates.default-limit, at most tally.aggregates.max-limit)")
      @QueryParam("limit") String limit,
      @Parameter(description = "IANA time zone where hours and days begin (default UTC); bucket labels carry its offset",
          example = "Asia/Kolkata")
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

  @POST
  @Path("/rebuild")
  @Allowed(Role.ADMIN)
  @Produces(MediaType.APPLICATION_JSON)
  @Operation(summary = "Recompute all aggregates from the events (admin)",
      description = "Starts a full recompute in the background, client by client (each client's figures are replaced in one "
          + "transaction; refreshes go on meanwhile). Answers the running rebuild if one is already running.")
  @APIResponse(responseCode = "202", description = "Rebuild started (or already running); follow Location for progress",
      content = @Content(examples = @ExampleObject(name = "started", value = AggregateExamples.REBUILD_STARTED)))
  public Uni<Response> rebuild() {
    return rebuilder.start().map(view -> Response.accepted(view).location(URI.create("/aggregates/rebuilds/" + view.id())).build());
  }

  @GET
  @Path("/rebuilds/{id}")
  @Allowed(Role.ADMIN)
  @Produces(MediaType.APPLICATION_JSON)
  @Operation(summary = "A rebuild's progress (admin)")
  @APIResponse(responseCode = "200", content = @Content(examples = @ExampleObject(name = "finished", value = AggregateExamples.REBUILD_FINISHED)))
  @APIResponse(responseCode = "404", description = "No such rebuild")
  public Uni<RebuildView> rebuildProgress(@PathParam("id") String id) {
    try {
      return rebuilder.find(Long.parseLong(id));
    } catch (NumberFormatException e) {
      throw new BadRequestException("id", "a rebuild id is a number");
    }
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

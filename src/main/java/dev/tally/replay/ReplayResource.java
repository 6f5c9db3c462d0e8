package dev.tally.replay;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.platform.BadRequestException;
import dev.tally.platform.QueryParameters;
import dev.tally.platform.TallyConfig;
import dev.tally.security.Allowed;
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
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.ExampleObject;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/** Replays of stored raw events through the client's current mapping. */
@Path("/replays")
@Produces(MediaType.APPLICATION_JSON)
// Its methods are read reflectively by platform.QueryParameterFilter and security.AuthFilter, in the native executable too.
@RegisterForReflection(fields = false)
@Allowed(Role.ADMIN)
public class ReplayResource {

  @Inject ReplayService replays;
  @Inject TallyConfig config;

  @POST
  @Consumes(MediaType.APPLICATION_JSON)
  @Operation(summary = "Start a replay",
      description = "Normalizes a client's stored raw events (by default the rejected ones) again with its current mapping. "
          + "Fingerprints make it idempotent: replaying twice never counts an event twice.")
  @RequestBody(content = @Content(schema = @Schema(implementation = ReplayRequest.class),
      examples = @ExampleObject(name = "rejected since the mapping fix", value = ReplayExamples.REQUEST)))
  @APIResponse(responseCode = "202", description = "Replay started",
      content = @Content(examples = @ExampleObject(name = "started", value = ReplayExamples.STARTED)))
  @APIResponse(responseCode = "400", description = "Invalid request (problem+json naming every problem)")
  @APIResponse(responseCode = "409", description = "A replay of this client is already running")
  public Uni<Response> start(JsonNode body) {
    return replays.start(ReplayRequest.from(body))
        .map(view -> Response.accepted(view).location(URI.create("/replays/" + view.id())).build());
  }

  @GET
  @Operation(summary = "List replays",
      description = "Newest first, of one client or all. Pass the previous page's next as after to continue; next is null on the last page.")
  @APIResponse(responseCode = "200", content = @Content(examples = @ExampleObject(name = "page", value = ReplayExamples.PAGE)))
  @APIResponse(responseCode = "400", description = "A parameter is invalid (problem+json naming it)")
  public Uni<ReplayPage> list(
      @Parameter(description = "Only this client") @QueryParam("clientId") String clientId,
      @Parameter(description = "Only replays in this state: running, succeeded, failed or cancelled") @QueryParam("state") String state,
      @Parameter(description = "Page size (tally.inspection.default-page-size, at most tally.inspection.max-page-size)")
      @QueryParam("limit") String limit,
      @Parameter(description = "The previous page's next") @QueryParam("after") String after) {
    TallyConfig.Inspection pages = config.inspection();
    int size = QueryParameters.limit("limit", limit, pages.defaultPageSize(), pages.maxPageSize(), "tally.inspection.max-page-size");
    return replays.list(QueryParameters.identifier(clientId), QueryParameters.identifier(state), cursor(after), size);
  }

  @POST
  @Path("/{id}/cancel")
  @Operation(summary = "Cancel a replay",
      description = "Stops a running replay at its next chunk boundary: the chunk in progress commits, no further rows are "
          + "replayed, and the replay ends cancelled. Cancelling a cancelled replay answers it unchanged.")
  @APIResponse(responseCode = "200", description = "The replay, cancelled",
      content = @Content(examples = @ExampleObject(name = "cancelled", value = ReplayExamples.CANCELLED)))
  @APIResponse(responseCode = "404", description = "No such replay")
  @APIResponse(responseCode = "409", description = "The replay has already finished (succeeded or failed)")
  public Uni<ReplayView> cancel(@PathParam("id") String id) {
    return replays.cancel(id(id));
  }

  @GET
  @Path("/{id}")
  @Operation(summary = "A replay's progress")
  @APIResponse(responseCode = "200", content = @Content(examples = @ExampleObject(name = "finished", value = ReplayExamples.FINISHED)))
  @APIResponse(responseCode = "404", description = "No such replay")
  public Uni<ReplayView> find(@PathParam("id") String id) {
    return replays.find(id(id));
  }

  private static long id(String id) {
    try {
      return Long.parseLong(id);
    } catch (NumberFormatException e) {
      throw new BadRequestException("id", "a replay id is a number");
    }
  }

  private static Long cursor(String after) {
    if (after == null || after.isBlank()) {
      return null;
    }
    try {
      long id = Long.parseLong(after.strip());
      if (id > 0) {
        return id;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new BadRequestException("after", "after must be the next of a previous page (a positive number)");
  }
}

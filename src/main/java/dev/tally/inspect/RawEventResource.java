package dev.tally.inspect;

import dev.tally.platform.BadRequestException;
import dev.tally.platform.QueryParameters;
import dev.tally.platform.TallyConfig;
import dev.tally.security.Allowed;
import dev.tally.security.CurrentCaller;
import dev.tally.security.Role;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.Set;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.ExampleObject;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/** GET /raw-events: raw records with status and rejection reasons, newest first, keyset-paginated. */
@Path("/raw-events")
// Its methods are read reflectively by platform.QueryParameterFilter and security.AuthFilter, in the native executable too.
@RegisterForReflection(fields = false)
@Allowed({Role.READ, Role.ADMIN})
public class RawEventResource {

  static final Set<String> STATUSES = Set.of("pending", "accepted", "duplicate", "rejected", "conflict", "unparseable");

  @Inject EventQueries queries;
  @Inject TallyConfig config;
  @Inject CurrentCaller caller;

  @GET
  @Produces(MediaType.APPLICATION_JSON)
  @Operation(summary = "List raw records",
      description = "Newest first. Pass the previous page's next as after to continue; next is null on the last page.")
  @APIResponse(responseCode = "200", content = @Content(examples = @ExampleObject(name = "page", value = InspectExamples.RAW_PAGE)))
  @APIResponse(responseCode = "400", description = "A parameter is invalid (problem+json naming it)")
  public Uni<RawEventPage> list(
      @QueryParam("clientId") String clientId,
      @QueryParam("status") String status,
      @QueryParam("limit") String limit,
      @QueryParam("after") String after) {
    if (status != null && !STATUSES.contains(status)) {
      throw new BadRequestException("status", "status must be one of " + String.join(", ", STATUSES.stream().sorted().toList()));
    }
    // A read key scoped to some clients sees only theirs; naming another client was refused with 403 already.
    return queries.listRaw(QueryParameters.identifier(clientId), caller.get().readScope(), status, cursor(after), pageSize(limit));
  }

  @GET
  @Path("/{id}")
  @Produces(MediaType.APPLICATION_JSON)
  @Operation(summary = "One raw record",
      description = "The raw row as stored, with its status and reasons. A read key sees only its clients' rows (404 otherwise).")
  @APIResponse(responseCode = "200", content = @Content(examples = @ExampleObject(name = "rejected", value = InspectExamples.RAW_ONE)))
  @APIResponse(responseCode = "404", description = "No such raw row, or one of a client this key may not read")
  public Uni<RawEventView> find(@PathParam("id") String id) {
    long rawId;
    try {
      rawId = Long.parseLong(id.strip());
    } catch (NumberFormatException e) {
      throw new BadRequestException("id", "a raw event id is a number");
    }
    return queries.findRaw(rawId, caller.get().readScope());
  }

  private int pageSize(String limit) {
    TallyConfig.Inspection inspection = config.inspection();
    return QueryParameters.limit("limit", limit, inspection.defaultPageSize(), inspection.maxPageSize(),
        "tally.inspection.max-page-size");
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
    throw new BadRequestException("after", "after must be the next cursor of a previous page");
  }

}

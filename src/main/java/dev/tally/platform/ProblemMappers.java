package dev.tally.platform;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** The one place where request-level failures become RFC 9457 problem documents. */
public class ProblemMappers {

  private static final Logger LOG = Logger.getLogger(ProblemMappers.class);

  // Filters and mappers are created at static init, before runtime configuration exists: look it up lazily.
  @Inject Instance<TallyConfig> config;

  @ServerExceptionMapper
  public Response badRequest(BadRequestException e) {
    return Problem.badParameter(e.parameter(), e.getMessage()).toResponse();
  }

  @ServerExceptionMapper
  public Response invalid(InvalidRequestException e) {
    return Problem.invalid(e.getMessage(), e.errors()).toResponse();
  }

  @ServerExceptionMapper
  public Response conflict(ConflictException e) {
    return Problem.of(Response.Status.CONFLICT, e.getMessage()).toResponse();
  }

  @ServerExceptionMapper
  public Response notFound(NotFoundException e) {
    return Problem.of(Response.Status.NOT_FOUND, e.getMessage()).toResponse();
  }

  @ServerExceptionMapper
  public Response tooLarge(PayloadTooLargeException e) {
    return Problem.of(Response.Status.REQUEST_ENTITY_TOO_LARGE, e.getMessage()).toResponse();
  }

  /**
   * A request body that is not JSON, or whose JSON does not bind: a 400 in the client's terms (what is wrong, line and
   * column), never the parser's internals. Listed by type because Quarkus' own mappers for these are more specific.
   */
  @ServerExceptionMapper({JsonParseException.class, MismatchedInputException.class, JsonProcessingException.class})
  public Response unreadableJson(JsonProcessingException e) {
    JsonLocation at = e.getLocation();
    String where = at == null || at.getLineNr() < 1 ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
    String what = e instanceof JsonParseException ? "the body is not valid JSON" : "the body does not have the expected shape";
    return Problem.of(Response.Status.BAD_REQUEST, what + where + ": " + e.getOriginalMessage() + "; nothing was stored").toResponse();
  }

  @ServerExceptionMapper
  public Response webApplication(WebApplicationException e) {
    // Quarkus REST's JSON reader reports a body it cannot read as a bare 400 with the parser's exception as the cause.
    for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
      if (cause instanceof JsonProcessingException json) {
        return unreadableJson(json);
      }
    }
    Response original = e.getResponse();
    int status = original.getStatus();
    String title = original.getStatusInfo().getReasonPhrase();
    return Problem.of(status, title, e.getMessage()).toResponse();
  }

  @ServerExceptionMapper
  public Response unexpected(Throwable e) {
    if (DatabaseFailures.isTransient(e)) {
      LOG.warnf("Database unavailable, answering 503: %s", e.getMessage());
      return Response.fromResponse(
              Problem.of(Response.Status.SERVICE_UNAVAILABLE, "The database is unavailable; nothing was acknowledged. Retry later.")
                  .toResponse())
          .header("Retry-After", config.get().database().retryAfterSeconds())
          .build();
    }
    LOG.error("Unexpected failure while serving a request", e);
    return Problem.of(Response.Status.INTERNAL_SERVER_ERROR, "Internal error; nothing was acknowledged.").toResponse();
  }
}

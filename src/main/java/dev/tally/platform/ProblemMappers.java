package dev.tally.platform;

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

  @ServerExceptionMapper
  public Response webApplication(WebApplicationException e) {
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

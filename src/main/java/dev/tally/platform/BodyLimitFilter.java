package dev.tally.platform;

import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Refuses a declared oversized body before a byte of it is read, with a problem document rather than the
 * transport's bare 413. Bodies without Content-Length are measured after reading (see EventResource).
 */
public class BodyLimitFilter {

  // Filters and mappers are created at static init, before runtime configuration exists: look it up lazily.
  @Inject Instance<TallyConfig> config;

  @ServerRequestFilter(preMatching = true)
  public Response rejectOversized(HttpHeaders headers) {
    String declared = headers.getHeaderString(HttpHeaders.CONTENT_LENGTH);
    if (declared == null) {
      return null;
    }
    long length;
    try {
      length = Long.parseLong(declared.strip());
    } catch (NumberFormatException e) {
      return Problem.of(Response.Status.BAD_REQUEST, "Content-Length " + declared + " is not a number").toResponse();
    }
    int limit = config.get().ingest().maxBodyBytes();
    return length > limit ? tooLarge(length, limit) : null;
  }

  public static Response tooLarge(long length, int limit) {
    return Problem.of(Response.Status.REQUEST_ENTITY_TOO_LARGE,
            "the body has " + length + " bytes; at most " + limit + " are accepted (tally.ingest.max-body-bytes); nothing was stored")
        .toResponse();
  }

  /**
   * A body over the limit as received ({@code receivedBytes}), or, when that is null, a compressed body that
   * inflates past it (a zip bomb, or just too much): refused, nothing stored.
   */
  public static Response tooLarge(Integer receivedBytes, int limit) {
    return receivedBytes != null ? tooLarge(receivedBytes.longValue(), limit) : tooLargeDecoded(limit);
  }

  private static Response tooLargeDecoded(int limit) {
    return Problem.of(Response.Status.REQUEST_ENTITY_TOO_LARGE,
            "the body decompresses to more than " + limit + " bytes (tally.ingest.max-body-bytes applies to the decoded body);"
                + " nothing was stored")
        .toResponse();
  }
}

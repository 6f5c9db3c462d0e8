package dev.tally.ingest;

import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Keeps a Content-Type the server cannot parse as a media type ({@code json}, {@code text},
 * {@code application/json, text/plain}) from refusing an ingest request with 415 before the resource runs: the
 * contract accepts a missing or wrong Content-Type when the body parses as JSON, every body is kept, and an SDK
 * drops its whole batch on any 4xx. Such a header is replaced with {@code application/octet-stream}, which RESTEasy
 * can route and read; the text as sent is kept in {@link SentContentType} for the raw row's content_type. This runs
 * before matching, which is what would refuse the header, so it cannot tell the ingest routes (POST /events, the SDK
 * routes: any Content-Type) from the others: on every request, where a route that reads JSON then answers 415, as it
 * does to any other type it does not take.
 */
public class ContentTypeFilter {

  // Filters are created at static init: look the request-scoped bean up lazily.
  @Inject Instance<SentContentType> sentContentType;

  private static final String STAND_IN = MediaType.APPLICATION_OCTET_STREAM;

  // nonBlocking, as pre-matching filters run anyway: Quarkus REST wants every nonBlocking filter (AuthFilter,
  // BodyLimitFilter) to come before any filter without it, pre-matching ones included.
  @ServerRequestFilter(preMatching = true, priority = Priorities.AUTHENTICATION - 100, nonBlocking = true)
  public void standIn(ContainerRequestContext request) {
    List<String> sent = request.getHeaders().get(HttpHeaders.CONTENT_TYPE);
    if (sent == null || sent.isEmpty()) {
      return;
    }
    String text = String.join(", ", sent);
    if (sent.size() == 1 && parses(text)) {
      return;
    }
    sentContentType.get().set(text);
    request.getHeaders().putSingle(HttpHeaders.CONTENT_TYPE, STAND_IN);
  }

  private static boolean parses(String text) {
    try {
      MediaType.valueOf(text);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }
}

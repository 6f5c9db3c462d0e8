package dev.tally.security;

import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Which role reaches which route; everything not listed is admin only, so a new endpoint is closed until
 * someone opens it here. Pure, so the table is tested without HTTP.
 *
 * <pre>
 * route                         ingest        read                  admin
 * POST /events                  own client    -                     yes
 * POST the SDK routes           own client    -                     (no client: refused by the endpoint)
 * GET  /events/{fingerprint}    -             its clients           yes
 * GET  /raw-events              -             its clients           yes
 * GET  /aggregates              -             its clients           yes
 * GET  /mapping-presets[/name]  yes           yes                   yes
 * everything else               -             -                     yes
 * </pre>
 *
 * The presets are open to every role because they are static documentation of Tally itself, the same for every
 * client and every replica: no client's data, nothing secret, nothing that changes state. Whoever wires an SDK to
 * Tally, often holding only an ingest key, is the person who needs to know which fields a preset reads.
 */
public final class Access {

  private static final Pattern EVENT_LOOKUP = Pattern.compile("/events/[^/]+");
  // Names without dots: a "." or ".." segment must never be what opens a route to every role.
  private static final Pattern PRESETS = Pattern.compile("/mapping-presets(/[A-Za-z0-9_-]{1,64})?");

  /**
   * The routes of the analytics SDK protocols (dev.tally.sdk): Segment's and RudderStack's HTTP tracking API and
   * PostHog's capture API. They may carry the key in the body instead of a header.
   */
  public static final Set<String> SDK_ROUTES = Set.of(
      "/v1/batch", "/v1/import", "/v1/track", "/v1/identify", "/v1/page", "/v1/screen", "/v1/group", "/v1/alias",
      "/batch", "/capture", "/e");

  private Access() {}

  /** Null when allowed; otherwise why not (the 403's detail). {@code clientIds}: every clientId query parameter. */
  public static String deny(Caller caller, String method, String path, List<String> clientIds) {
    String route = route(path);
    if (isGet(method) && PRESETS.matcher(route).matches()) {
      return null;
    }
    return switch (caller.role()) {
      case ADMIN -> null;
      case INGEST -> "POST".equals(method) && ("/events".equals(route) || SDK_ROUTES.contains(route))
          ? null
          : "an ingest key may only POST /events and the SDK routes (/v1/batch, /batch/, ...), and GET /mapping-presets";
      case READ -> readable(method, route) ? outOfScope(caller, clientIds)
          : "a read key may only GET /aggregates, /events/{fingerprint}, /raw-events and /mapping-presets";
    };
  }

  /** Whether a request may arrive without a key in its headers, to be authenticated by the key in its body. */
  public static boolean mayCarryKeyInBody(String method, String path) {
    return "POST".equals(method) && SDK_ROUTES.contains(route(path));
  }

  private static String route(String path) {
    return path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
  }

  private static boolean isGet(String method) {
    return "GET".equals(method) || "HEAD".equals(method);
  }

  private static boolean readable(String method, String route) {
    return isGet(method)
        && (route.equals("/aggregates") || route.equals("/raw-events") || EVENT_LOOKUP.matcher(route).matches());
  }

  private static String outOfScope(Caller caller, List<String> clientIds) {
    for (String clientId : clientIds) {
      if (!caller.mayRead(clientId)) {
        return "this key may not read client " + (clientId.length() > 128 ? clientId.substring(0, 128) + "…" : clientId);
      }
    }
    return null;
  }
}

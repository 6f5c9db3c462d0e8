package dev.tally.security;

import java.util.List;
import java.util.regex.Pattern;

/**
 * Which role reaches which route; everything not listed is admin only, so a new endpoint is closed until
 * someone opens it here. Pure, so the table is tested without HTTP.
 *
 * <pre>
 * route                         ingest        read                  admin
 * POST /events                  own client    -                     yes
 * GET  /events/{fingerprint}    -             its clients           yes
 * GET  /raw-events              -             its clients           yes
 * GET  /aggregates              -             its clients           yes
 * everything else               -             -                     yes
 * </pre>
 */
public final class Access {

  private static final Pattern EVENT_LOOKUP = Pattern.compile("/events/[^/]+");

  private Access() {}

  /** Null when allowed; otherwise why not (the 403's detail). {@code clientIds}: every clientId query parameter. */
  public static String deny(Caller caller, String method, String path, List<String> clientIds) {
    String route = path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    return switch (caller.role()) {
      case ADMIN -> null;
      case INGEST -> "POST".equals(method) && "/events".equals(route)
          ? null
          : "an ingest key may only POST /events";
      case READ -> readable(method, route) ? outOfScope(caller, clientIds)
          : "a read key may only GET /aggregates, /events/{fingerprint} and /raw-events";
    };
  }

  private static boolean readable(String method, String route) {
    return ("GET".equals(method) || "HEAD".equals(method))
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

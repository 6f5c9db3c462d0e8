package dev.tally.platform;

import io.vertx.mutiny.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;

/**
 * The WHERE clause of a query whose filters are all optional. Every value is a bound parameter ($1, $2, ...),
 * never SQL text, so the placeholder numbering lives here once instead of in every repository.
 */
public final class SqlFilter {

  private final List<String> conditions = new ArrayList<>();
  private final List<Object> params = new ArrayList<>();

  /** Adds {@code condition}, whose {@code %s} stands for the value's placeholder; nothing when the value is null. */
  public SqlFilter and(String condition, Object value) {
    if (value != null) {
      conditions.add(condition.formatted(bind(value)));
    }
    return this;
  }

  /** Binds a value used outside the WHERE clause (a LIMIT, say); returns its placeholder. */
  public String bind(Object value) {
    params.add(value);
    return "$" + params.size();
  }

  /** " WHERE a AND b", or "" without conditions. */
  public String where() {
    return conditions.isEmpty() ? "" : " WHERE " + String.join(" AND ", conditions);
  }

  public Tuple params() {
    return Tuple.tuple(params);
  }
}

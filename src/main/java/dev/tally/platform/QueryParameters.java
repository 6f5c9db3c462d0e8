package dev.tally.platform;

/** Reading query parameters the same way on every endpoint: absent means the default, bad means a 400 naming it. */
public final class QueryParameters {

  private QueryParameters() {}

  /**
   * A clientId or metric filter: absent when missing or blank, otherwise matched exactly as given. Values with a
   * syntax (numbers, instants, names of options) are read leniently, with surrounding spaces ignored; identifiers
   * are not, because " shop_7" is not shop_7 and rejecting unclear input is safer than guessing. The key's scope
   * check sees the same text as the query.
   */
  public static String identifier(String value) {
    return value == null || value.isBlank() ? null : value;
  }

  /**
   * A page size or row limit: the default (capped at the maximum) when absent or blank, otherwise an integer in
   * [1, max]; anything else is a 400 naming the parameter and the setting that bounds it.
   */
  public static int limit(String parameter, String value, int defaultValue, int max, String maxSetting) {
    if (value == null || value.isBlank()) {
      return Math.min(defaultValue, max);
    }
    try {
      int limit = Integer.parseInt(value.strip());
      if (limit >= 1 && limit <= max) {
        return limit;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new BadRequestException(parameter, parameter + " must be an integer from 1 to " + max + " (" + maxSetting + ")");
  }
}

package dev.tally.ingest;

import jakarta.enterprise.context.RequestScoped;

/**
 * The Content-Type of an ingest request exactly as sent, when {@link ContentTypeFilter} had to stand in for it
 * because it is no media type the server can parse: the raw row records what the client sent, not the stand-in.
 */
@RequestScoped
public class SentContentType {

  private String sent;

  void set(String sent) {
    this.sent = sent;
  }

  /** The header as sent when the filter replaced it, else {@code asRead} (the header the resource read). */
  public String or(String asRead) {
    return sent != null ? sent : asRead;
  }
}

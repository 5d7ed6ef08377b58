package io.k0rdent.api.core.resource;

import java.time.Instant;
import java.time.temporal.ChronoUnit;

/** Timestamps as the API stores and shows them: UTC, truncated to milliseconds (RFC 3339 with 3 digits). */
public final class Clock {
  private Clock() {}

  /** Now, truncated to milliseconds so that a PostgreSQL round trip returns the same instant. */
  public static Instant now() {
    return Instant.now().truncatedTo(ChronoUnit.MILLIS);
  }
}

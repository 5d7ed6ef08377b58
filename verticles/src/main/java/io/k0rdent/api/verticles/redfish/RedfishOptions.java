package io.k0rdent.api.verticles.redfish;

import java.time.Duration;
import java.util.Objects;

/**
 * Timeouts and retry policy of a {@link RedfishClient}.
 *
 * @param requestTimeout the longest one HTTP exchange (connect, request, whole answer) may take; beyond it the
 *                       call fails as transient (and is retried)
 * @param pollInterval   between two reads while waiting for a power state, a task or virtual media
 * @param powerTimeout   how long a power change (from the reset request on, 409 refusals included) may take to
 *                       show in {@code PowerState}
 * @param taskTimeout    how long a task (DSP0266 §12.2) or a virtual-media change may take
 * @param retries        how many times a transient failure (5xx other than 501, connection error, request timeout)
 *                       is retried; 0 for none
 * @param retryBackoff   the wait before the first retry, doubled for each next one
 * @throws IllegalArgumentException on a null, zero or negative duration, or negative retries
 */
public record RedfishOptions(Duration requestTimeout, Duration pollInterval, Duration powerTimeout,
                             Duration taskTimeout, int retries, Duration retryBackoff) {

  /** requestTimeout 10 s, pollInterval 1 s, powerTimeout 120 s, taskTimeout 300 s, 3 retries from 500 ms doubling. */
  public static final RedfishOptions DEFAULTS = new RedfishOptions(Duration.ofSeconds(10), Duration.ofSeconds(1),
      Duration.ofSeconds(120), Duration.ofSeconds(300), 3, Duration.ofMillis(500));

  public RedfishOptions {
    for (Duration d : new Duration[] {requestTimeout, pollInterval, powerTimeout, taskTimeout, retryBackoff}) {
      if (Objects.requireNonNull(d, "durations are required").isNegative() || d.isZero()) {
        throw new IllegalArgumentException("Redfish timeouts and intervals must be positive");
      }
    }
    if (retries < 0) {
      throw new IllegalArgumentException("retries must be 0 or more");
    }
  }
}

package io.k0rdent.api.router;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;

/**
 * Timers of the policy engine's work, sized for microseconds: the Prometheus histogram's buckets
 * ({@code _bucket{le=…}}, about 25 % apart) start at 1 µs, where Micrometer's default starts at 1 ms and
 * every decision would fall into the first bucket. {@code perf/load/run.sh} reads its percentiles from them.
 */
public final class DecisionTimers {

  /** Resolving a call's effective grants (every authenticated API call); seconds. */
  public static final String GRANTS = "k0rdent.authz.grants";
  /** Deciding the checks of one {@code /auth/check} request (resolving its resources, then deciding); seconds. */
  public static final String CHECK = "k0rdent.authz.check";

  private DecisionTimers() {}

  /** Registers (or finds) the timer {@code name} on {@code registry}. */
  public static Timer timer(MeterRegistry registry, String name, String description) {
    return Timer.builder(name).description(description)
        .publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofNanos(1_000))
        .maximumExpectedValue(Duration.ofSeconds(5))
        .register(registry);
  }
}

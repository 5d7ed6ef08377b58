package io.k0rdent.api.verticles.servers;

import io.k0rdent.api.verticles.config.Settings;
import io.k0rdent.api.verticles.redfish.RedfishOptions;
import java.time.Duration;

/**
 * How server workers behave (configuration {@code servers.*}, see {@link Settings.Servers}).
 *
 * @param lease        a worker's lease on a server; renewed every third of it
 * @param scanInterval how often an idle worker looks for work
 * @param phaseRetries retries of a phase after a transient BMC failure
 * @param retryBackoff the first back-off between phase retries (doubling)
 * @param redfish      timeouts and retries of each BMC conversation
 */
public record WorkerOptions(Duration lease, Duration scanInterval, int phaseRetries, Duration retryBackoff,
                            RedfishOptions redfish) {

  /** From the configuration. */
  public static WorkerOptions from(Settings.Servers s) {
    return new WorkerOptions(Duration.ofSeconds(s.leaseSeconds()), Duration.ofMillis(s.scanIntervalMillis()),
        s.phaseRetries(), Duration.ofSeconds(1),
        new RedfishOptions(Duration.ofSeconds(s.bmcRequestTimeoutSeconds()), Duration.ofMillis(s.bmcPollIntervalMillis()),
            Duration.ofSeconds(s.bmcPowerTimeoutSeconds()), Duration.ofSeconds(s.bmcTaskTimeoutSeconds()),
            s.bmcRetries(), Duration.ofMillis(500)));
  }
}

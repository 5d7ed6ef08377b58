package io.k0rdent.api.verticles;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class FreePortsTest {

  @Test
  void zerosBecomeDistinctBindablePortsBelowTheEphemeralRangeAndOthersStay() throws Exception {
    int[] ports = FreePorts.resolve(0, 8123, 0, 0);
    assertThat(ports[1]).isEqualTo(8123);
    int[] chosen = {ports[0], ports[2], ports[3]};
    assertThat(Arrays.stream(chosen).distinct().count()).isEqualTo(3);
    for (int p : chosen) {
      // below the range outgoing connections take their local ports from, so none of them can take it
      assertThat(p).isBetween(FreePorts.LOW, FreePorts.HIGH - 1);
      try (ServerSocket s = new ServerSocket(p)) {
        assertThat(s.getLocalPort()).isEqualTo(p);
      }
    }
  }

  @Test
  void aPortIsNeverHandedOutTwiceByOneProcess() {
    int[] first = FreePorts.of(200);
    int[] second = FreePorts.of(200);
    assertThat(Arrays.stream(first).distinct().count()).isEqualTo(200);
    assertThat(Arrays.stream(second).filter(p -> Arrays.stream(first).anyMatch(q -> q == p))).isEmpty();
  }
}

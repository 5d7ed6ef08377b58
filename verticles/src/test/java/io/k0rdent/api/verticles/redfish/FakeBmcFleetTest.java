package io.k0rdent.api.verticles.redfish;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** A fleet of fake BMCs over the captures, and where the launcher finds them. */
class FakeBmcFleetTest extends FakeBmcTestSupport {

  @Test
  void startsNBmcsCyclingThroughTheCapturesEachWithItsOwnPassword() throws Exception {
    FakeBmcFleet fleet = await(FakeBmcFleet.start(vertx, mockups(), 9));
    try {
      List<FakeBmcFleet.Member> members = fleet.members();
      assertThat(members).hasSize(9);
      assertThat(members.stream().map(FakeBmcFleet.Member::capture).toList()).containsExactly(
          "dell-poweredge-r750", "dmtf-public-rackmount1", "dmtf-public-tower", "hpe-dl385-gen10-plus-v2",
          "lenovo-sr670-v2", "nvidia-dgx-h100", "supermicro-sys-821ge-tnhr", "dell-poweredge-r750",
          "dmtf-public-rackmount1");
      Set<String> addresses = new HashSet<>();
      Set<String> passwords = new HashSet<>();
      for (FakeBmcFleet.Member m : members) {
        assertThat(m.address()).startsWith("http://127.0.0.1:").isEqualTo(m.bmc().address());
        assertThat(m.username()).isEqualTo("admin");
        assertThat(m.toString()).doesNotContain(m.password());
        addresses.add(m.address());
        passwords.add(m.password());
      }
      assertThat(addresses).hasSize(9);
      assertThat(passwords).hasSize(9);
      FakeBmcFleet.Member last = members.get(8);
      RedfishClient client = client(last.bmc(), last.password(), FAST, callLog());
      await(client.login());
      assertThat(await(client.hostSystem()).odataId()).isEqualTo("/redfish/v1/Systems/437XR1138R2");
      await(client.logout());
      RedfishClient other = client(last.bmc(), members.get(0).password(), FAST, callLog());
      assertThat(failure(other.login()).getMessage()).contains("refused user admin");
      other.close();
    } finally {
      await(fleet.close());
    }
  }

  @Test
  void findsTheMockupsInAStartFolderOrItsAncestors() throws Exception {
    Path mockups = mockups();
    Path shared = mockups.getParent();
    assertThat(FakeBmcFleet.findMockups(shared.getParent())).isEqualTo(mockups.toAbsolutePath().normalize());
    assertThat(FakeBmcFleet.findMockups(mockups.resolve("lenovo-sr670-v2").resolve("redfish")))
        .isEqualTo(mockups.toAbsolutePath().normalize());
    Path empty = Files.createTempDirectory("no-mockups");
    try {
      Path found = FakeBmcFleet.findMockups(empty);
      assertThat(found == null || !found.startsWith(empty)).isTrue();
    } finally {
      Files.delete(empty);
    }
  }
}

package io.k0rdent.api.verticles.redfish;

import static org.assertj.core.api.Assertions.assertThat;

import io.k0rdent.api.verticles.redfish.HardwareInspection.Cpu;
import io.k0rdent.api.verticles.redfish.HardwareInspection.Disk;
import io.k0rdent.api.verticles.redfish.HardwareInspection.Gpu;
import io.k0rdent.api.verticles.redfish.HardwareInspection.HardwareSpecs;
import io.k0rdent.api.verticles.redfish.HardwareInspection.Nic;
import io.k0rdent.api.verticles.redfish.HardwareInspection.Ram;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Inspection over HTTP against the fake BMC serving each capture: the GPUs of the table (each card counted
 * once whichever shapes it takes), the host's CPUs and memory as the captures record them, and the host's NICs and
 * disks (counts and one of each read from the capture files).
 */
class HardwareInspectionTest extends FakeBmcTestSupport {

  @ParameterizedTest
  @CsvSource(delimiter = '|', nullValues = "-", value = {
      "supermicro-sys-821ge-tnhr | Intel(R) Xeon(R) Platinum 8462Y+ | 2 | 32 | 2048 | H100 80GB HBM3 | 8",
      "nvidia-dgx-h100           | -                                | 2 | 56 | 2048 | H100 80GB HBM3 | 8",
      "lenovo-sr670-v2           | Intel(R) Xeon(R) Platinum 8362 CPU @ 2.80GHz | 2 | 32 | 1024 | NVIDIA L40 | 8",
      "dell-poweredge-r750       | Intel(R) Xeon(R) Gold 6354 CPU @ 3.00GHz | 2 | 18 | 512 | NVIDIA H100 PCIe | 1",
      "dmtf-public-tower         | Intel(R) Xeon(R) Gold 5218 2.3GHz | 8 | 16 | 1024 | Nvidia(R) TU102 | 2",
      "dmtf-public-rackmount1    | Multi-Core Intel(R) Xeon(R) processor 7xxx Series | 1 | 8 | 96 | - | 0",
      "hpe-dl385-gen10-plus-v2   | AMD EPYC 7763 64-Core Processor | 2 | 64 | 1024 | - | 0"})
  void inspectsEachCapture(String capture, String cpuModel, int cpus, int cores, double ramGiB, String gpuModel,
                           int gpus) throws Exception {
    HardwareSpecs specs = inspect(capture);
    assertThat(new HardwareSpecs(specs.cpu(), specs.ram(), specs.gpu())).isEqualTo(new HardwareSpecs(
        new Cpu(cpuModel, cpus, cores), new Ram(ramGiB), new Gpu(gpuModel, gpus)));
  }

  /**
   * The host's NICs: the members of its EthernetInterfaces not Absent, with one NIC of each capture as its files
   * show it (MACAddress, else PermanentMACAddress, in lowercase). Counts by capture: Supermicro 12 (1..11 and the
   * host interface ToManager; SpeedMbps 0 but ToManager's 100); DGX 5 (4 Disabled, kept); Lenovo 5 (ToManager
   * Disabled, kept; no SpeedMbps); Dell 5 (SpeedMbps 0); DMTF tower 2 ({@code Id} "1", "2" at .../Network1, 2);
   * DMTF rackmount1 4 (including VLAN1 and ToManager; 12446A3B8890's MACAddress is not its permanent one); HPE 7
   * (no SpeedMbps, no State).
   */
  @ParameterizedTest
  @CsvSource(delimiter = '|', nullValues = "-", value = {
      "supermicro-sys-821ge-tnhr | 12 | 1                  | 94:6d:ae:91:fb:22 | 0",
      "supermicro-sys-821ge-tnhr | 12 | ToManager          | be:3a:f2:b6:05:9f | 100",
      "nvidia-dgx-h100           | 5  | EthernetInterface4 | a0:88:c2:82:6e:52 | -",
      "nvidia-dgx-h100           | 5  | EthernetInterface0 | 5c:ff:35:fe:04:b1 | -",
      "lenovo-sr670-v2           | 5  | NIC1               | 00:62:0b:4c:28:4e | -",
      "lenovo-sr670-v2           | 5  | ToManager          | 0a:8f:c3:a5:8a:71 | -",
      "dell-poweredge-r750       | 5  | NIC.Slot.5-1       | b8:3f:d2:90:97:c4 | 0",
      "dmtf-public-tower         | 2  | 1                  | fb:aa:1d:4e:d0:7a | 10000",
      "dmtf-public-tower         | 2  | 2                  | fb:aa:1d:4e:d0:7c | 10000",
      "dmtf-public-rackmount1    | 4  | 12446A3B8890       | aa:bb:cc:dd:ee:00 | 1000",
      "dmtf-public-rackmount1    | 4  | VLAN1              | 12:44:6a:3b:04:11 | 1000",
      "hpe-dl385-gen10-plus-v2   | 7  | 7                  | b8:3f:d2:d7:f7:4a | -",
      "hpe-dl385-gen10-plus-v2   | 7  | 1                  | 50:7c:6f:11:f2:a6 | -"})
  void findsTheHostsNics(String capture, int count, String id, String mac, Integer speedMbps) throws Exception {
    HardwareSpecs specs = inspect(capture);
    assertThat(specs.nics()).as(capture + " NICs").hasSize(count).contains(new Nic(id, mac, speedMbps))
        .isSortedAccordingTo(Comparator.comparing(Nic::id));
    assertThat(specs.nics()).extracting(Nic::id).doesNotHaveDuplicates();

    JsonArray nics = specs.json().getJsonArray("nics");
    assertThat(nics).hasSize(count);
    JsonObject nic = nics.stream().map(JsonObject.class::cast).filter(n -> id.equals(n.getString("id")))
        .findFirst().orElseThrow();
    assertThat(nic.getString("macAddress")).isEqualTo(mac);
    assertThat(nic.getInteger("speedMbps")).isEqualTo(speedMbps);
    assertThat(nic.containsKey("speedMbps")).isEqualTo(speedMbps != null);
  }

  /**
   * The host's disks: the Drives its Storage members link (each once, not Absent), else its SimpleStorage
   * devices, with one disk of each capture as its files show it. Counts by capture: Supermicro 8 NVMe drives of
   * Storage/NVMeSSD (no MediaType; its SimpleStorage lists the same 8 and is not used); DGX: Storage has no
   * members, so the 15 devices of its 11 SimpleStorage members: 2 M.2, 8 U.2 and 5 BMC virtual USB media (4
   * "Virtual Cdrom Device" of 2048 bytes, 1 "Virtual HDisk Device"); Lenovo 4 in 2 storages; Dell 3 in
   * Storage/CPU.1 (the two AHCI storages have none); DMTF tower 10 of 18 linked drives (8 Absent), resources
   * without {@code Id} (the id is their link's last segment); DMTF rackmount1: no Storage, 2 of 4 SimpleStorage
   * devices (2 Absent); HPE 18: 16 in one-drive storages DA0000xx (links with a trailing slash), 2 in DE081000.
   */
  @ParameterizedTest
  @CsvSource(delimiter = '|', nullValues = "-", value = {
      "supermicro-sys-821ge-tnhr | 8 | Disk.Bay.0 | MZQL27T6HBLA-00A07 | 7681501126656 | -",
      "supermicro-sys-821ge-tnhr | 8 | Disk.Bay.7 | MZQL27T6HBLA-00A07 | 7681501126656 | -",
      "nvidia-dgx-h100 | 15 | NVMe_Device0_NSID1 | SAMSUNG MZ1L21T9HCLS-00A07 | 1920383410176 | -",
      "nvidia-dgx-h100 | 15 | NVMe_DeviceE_NSID1 | KCM6DRUL3T84               | 3840755982336 | -",
      "nvidia-dgx-h100 | 15 | USB_Device2_PortA  | Virtual Cdrom Device       | 2048          | -",
      "lenovo-sr670-v2 | 4 | Drive.Bay_0     | Micron_7450_MTFDKBZ7T6TFR | 7680000000000 | SSD",
      "lenovo-sr670-v2 | 4 | Drive.M.2_Bay_1 | Micron_7450_MTFDKBA960TFR | 960000000000  | SSD",
      "dell-poweredge-r750 | 3 | Disk.Bay.0:Enclosure.Internal.0-1 | Dell Ent NVMe CM6 RI 1.92TB | 1920383410176 | SSD",
      "dmtf-public-tower | 10 | Disk-1-0 | SAS 18000 | 20266198323167230 | HDD",
      "dmtf-public-tower | 10 | M.2-1    | NVMe 1000 | 1125899906842624  | SSD",
      "dmtf-public-rackmount1 | 2 | SATA Bay 1 | 3000GT8 | 8000000000000 | -",
      "dmtf-public-rackmount1 | 2 | SATA Bay 2 | 3000GT7 | 4000000000000 | -",
      "hpe-dl385-gen10-plus-v2 | 18 | 0        | VK000480GZXRF      | 480103981056  | SSD",
      "hpe-dl385-gen10-plus-v2 | 18 | DA00001D | MZXLR6T4HALA-000H3 | 6401252745216 | SSD"})
  void findsTheHostsDisks(String capture, int count, String id, String model, Long capacityBytes, String mediaType)
      throws Exception {
    HardwareSpecs specs = inspect(capture);
    assertThat(specs.disks()).as(capture + " disks").hasSize(count)
        .contains(new Disk(id, model, capacityBytes, mediaType)).isSortedAccordingTo(Comparator.comparing(Disk::id));
    assertThat(specs.disks()).extracting(Disk::id).doesNotHaveDuplicates();

    JsonArray disks = specs.json().getJsonArray("disks");
    assertThat(disks).hasSize(count);
    JsonObject disk = disks.stream().map(JsonObject.class::cast).filter(d -> id.equals(d.getString("id")))
        .findFirst().orElseThrow();
    assertThat(disk.getString("model")).isEqualTo(model);
    assertThat(disk.getLong("capacityBytes")).isEqualTo(capacityBytes);
    assertThat(disk.getString("mediaType")).isEqualTo(mediaType);
    assertThat(disk.containsKey("mediaType")).isEqualTo(mediaType != null);
  }

  /**
   * A made-up BMC: an absent interface, an interface whose MACAddress is not a MAC (its permanent one is), one
   * with a hyphenated MAC, one with no valid MAC, a member link that 404s; two storages listing the same drive
   * (once with a trailing slash), a drive link that 404s, an absent drive, a blank model; and no SimpleStorage
   * used since Storage has drives. A first system without CPUs (a GPU baseboard) has its own interface and
   * storage, which are not the host's.
   */
  @Test
  void skipsAbsentAndMissingAndCountsASharedDriveOnce(@TempDir Path dir) throws Exception {
    String sys = "/redfish/v1/Systems/S1";
    write(dir, "", new JsonObject().put("@odata.id", "/redfish/v1").put("Systems", link("/redfish/v1/Systems")));
    String board = "/redfish/v1/Systems/Board";
    write(dir, "Systems", collection("/redfish/v1/Systems", board, sys));
    write(dir, "Systems/Board", new JsonObject().put("@odata.id", board).put("Id", "Board")
        .put("Processors", link(board + "/Processors")).put("EthernetInterfaces", link(board + "/EthernetInterfaces"))
        .put("Storage", link(board + "/Storage")));
    write(dir, "Systems/Board/Processors", collection(board + "/Processors", board + "/Processors/GPU1"));
    write(dir, "Systems/Board/Processors/GPU1", new JsonObject().put("Id", "GPU1").put("ProcessorType", "GPU")
        .put("Model", "Some GPU"));
    write(dir, "Systems/Board/EthernetInterfaces", collection(board + "/EthernetInterfaces",
        board + "/EthernetInterfaces/usb0"));
    write(dir, "Systems/Board/EthernetInterfaces/usb0", new JsonObject().put("Id", "usb0")
        .put("MACAddress", "02:00:00:00:00:01"));
    write(dir, "Systems/Board/Storage", collection(board + "/Storage", board + "/Storage/B"));
    write(dir, "Systems/Board/Storage/B", new JsonObject().put("Id", "B").put("Drives", new JsonArray()
        .add(link("/redfish/v1/Chassis/C/Drives/D9"))));
    write(dir, "Chassis/C/Drives/D9", new JsonObject().put("Id", "D9").put("CapacityBytes", 1L));
    write(dir, "Systems/S1", new JsonObject().put("@odata.id", sys).put("Id", "S1")
        .put("Processors", link(sys + "/Processors"))
        .put("EthernetInterfaces", link(sys + "/EthernetInterfaces")).put("Storage", link(sys + "/Storage"))
        .put("SimpleStorage", link(sys + "/SimpleStorage")));
    write(dir, "Systems/S1/Processors", collection(sys + "/Processors", sys + "/Processors/CPU1"));
    write(dir, "Systems/S1/Processors/CPU1", new JsonObject().put("Id", "CPU1").put("ProcessorType", "CPU")
        .put("TotalCores", 4));
    write(dir, "Systems/S1/EthernetInterfaces", collection(sys + "/EthernetInterfaces", sys + "/EthernetInterfaces/b",
        sys + "/EthernetInterfaces/a", sys + "/EthernetInterfaces/gone", sys + "/EthernetInterfaces/c",
        sys + "/EthernetInterfaces/d"));
    write(dir, "Systems/S1/EthernetInterfaces/a", new JsonObject().put("Id", "a").put("MACAddress", "00:11:22:33:44:55")
        .put("Status", new JsonObject().put("State", "Absent")));
    write(dir, "Systems/S1/EthernetInterfaces/b", new JsonObject().put("Id", "b").put("MACAddress", "not-a-mac")
        .put("PermanentMACAddress", "AA:BB:CC:00:11:22").put("SpeedMbps", 25000));
    write(dir, "Systems/S1/EthernetInterfaces/c", new JsonObject().put("Id", "c").put("MACAddress", "DE-AD-BE-EF-00-01")
        .put("Status", new JsonObject().put("State", "Disabled")));
    write(dir, "Systems/S1/EthernetInterfaces/d", new JsonObject().put("Id", "d").put("MACAddress", "12:34:56:78:9a")
        .put("PermanentMACAddress", "").put("SpeedMbps", 1000));
    write(dir, "Systems/S1/Storage", collection(sys + "/Storage", sys + "/Storage/R1", sys + "/Storage/R2",
        sys + "/Storage/missing"));
    write(dir, "Systems/S1/Storage/R1", new JsonObject().put("Id", "R1").put("Drives", new JsonArray()
        .add(link("/redfish/v1/Chassis/C/Drives/D2")).add(link("/redfish/v1/Chassis/C/Drives/D1"))
        .add(link("/redfish/v1/Chassis/C/Drives/D404"))));
    write(dir, "Systems/S1/Storage/R2", new JsonObject().put("Id", "R2").put("Drives", new JsonArray()
        .add(link("/redfish/v1/Chassis/C/Drives/D1/")).add(link("/redfish/v1/Chassis/C/Drives/D3"))));
    write(dir, "Chassis/C/Drives/D1", new JsonObject().put("Id", "D1").put("Model", " Fast SSD ")
        .put("CapacityBytes", 960197124096L).put("MediaType", "SSD"));
    write(dir, "Chassis/C/Drives/D2", new JsonObject().put("Id", "D2").put("Model", "  ")
        .put("CapacityBytes", 4000787030016L).put("MediaType", "HDD"));
    write(dir, "Chassis/C/Drives/D3", new JsonObject().put("Id", "D3")
        .put("Status", new JsonObject().put("State", "Absent")));
    write(dir, "Systems/S1/SimpleStorage", collection(sys + "/SimpleStorage", sys + "/SimpleStorage/1"));
    write(dir, "Systems/S1/SimpleStorage/1", new JsonObject().put("Devices", new JsonArray()
        .add(new JsonObject().put("Name", "not used").put("CapacityBytes", 1))));

    FakeBmc bmc = await(FakeBmc.start(vertx, dir, 0, "admin", "pw"));
    RedfishClient client = RedfishClient.create(vertx, new BmcEndpoint(bmc.address(), "admin", "pw", null, false),
        RedfishOptions.DEFAULTS, null);
    try {
      HardwareSpecs specs = await(client.inspect());
      assertThat(specs.cpu()).isEqualTo(new Cpu(null, 1, 4));
      assertThat(specs.gpu()).isEqualTo(new Gpu("Some GPU", 1));
      assertThat(specs.nics()).containsExactly(new Nic("b", "aa:bb:cc:00:11:22", 25000),
          new Nic("c", "de:ad:be:ef:00:01", null), new Nic("d", null, 1000));
      assertThat(specs.disks()).containsExactly(new Disk("D1", "Fast SSD", 960197124096L, "SSD"),
          new Disk("D2", null, 4000787030016L, "HDD"));
      JsonObject json = specs.json();
      assertThat(json.getJsonArray("nics").getJsonObject(2)).isEqualTo(new JsonObject().put("id", "d")
          .put("speedMbps", 1000));
      assertThat(json.getJsonArray("disks").getJsonObject(1)).isEqualTo(new JsonObject().put("id", "D2")
          .put("capacityBytes", 4000787030016L).put("mediaType", "HDD"));
      assertThat(json.fieldNames()).containsExactlyInAnyOrder("cpu", "ram", "gpu", "nics", "disks");
    } finally {
      client.close();
      close(bmc);
    }
  }

  /** Without Storage members, the SimpleStorage devices (absent ones left out); no links at all: empty lists. */
  @Test
  void fallsBackToSimpleStorageAndToEmptyLists(@TempDir Path dir) throws Exception {
    String sys = "/redfish/v1/Systems/S1";
    write(dir, "", new JsonObject().put("@odata.id", "/redfish/v1").put("Systems", link("/redfish/v1/Systems")));
    write(dir, "Systems", collection("/redfish/v1/Systems", sys, "/redfish/v1/Systems/S2"));
    write(dir, "Systems/S1", new JsonObject().put("Id", "S1").put("Storage", link(sys + "/Storage"))
        .put("SimpleStorage", link(sys + "/SimpleStorage")).put("EthernetInterfaces", link(sys + "/Nowhere")));
    write(dir, "Systems/S1/Storage", new JsonObject().put("@odata.id", sys + "/Storage"));
    write(dir, "Systems/S1/SimpleStorage", collection(sys + "/SimpleStorage", sys + "/SimpleStorage/1"));
    write(dir, "Systems/S1/SimpleStorage/1", new JsonObject().put("Devices", new JsonArray()
        .add(new JsonObject().put("Name", "Bay 2").put("Model", "X1").put("CapacityBytes", 1000L))
        .add(new JsonObject().put("Name", "Bay 3").put("Status", new JsonObject().put("State", "Absent")))
        .add(new JsonObject().put("Name", "Bay 1").put("CapacityBytes", 2000L))));

    FakeBmc bmc = await(FakeBmc.start(vertx, dir, 0, "admin", "pw"));
    RedfishClient client = RedfishClient.create(vertx, new BmcEndpoint(bmc.address(), "admin", "pw", null, false),
        RedfishOptions.DEFAULTS, null);
    try {
      HardwareSpecs specs = await(client.inspect());
      assertThat(specs.nics()).isEmpty();
      assertThat(specs.disks()).containsExactly(new Disk("Bay 1", "Bay 1", 2000L, null),
          new Disk("Bay 2", "X1", 1000L, null));
      assertThat(specs.json().getJsonArray("nics")).isEmpty();
    } finally {
      client.close();
      close(bmc);
    }
  }

  @Test
  void normalisesOnlyValid48BitMacs() {
    assertThat(HardwareInspection.mac("AA:BB:CC:DD:EE:FF")).isEqualTo("aa:bb:cc:dd:ee:ff");
    assertThat(HardwareInspection.mac(" aa-bb-cc-dd-ee-0f ")).isEqualTo("aa:bb:cc:dd:ee:0f");
    assertThat(HardwareInspection.mac("AABBCCDDEEFF")).isEqualTo("aa:bb:cc:dd:ee:ff");
    for (Object bad : new Object[] {null, "", "AA:BB:CC:DD:EE", "AA:BB:CC:DD:EE:FF:00", "AA:BB-CC:DD:EE:FF",
        "GG:BB:CC:DD:EE:FF", "A:BB:CC:DD:EE:FF", "aabb.ccdd.eeff", 12345}) {
      assertThat(HardwareInspection.mac(bad)).as(String.valueOf(bad)).isNull();
    }
  }

  private HardwareSpecs inspect(String capture) throws Exception {
    FakeBmc bmc = fakeBmc(capture, "admin", "pw");
    RedfishClient client = RedfishClient.create(vertx, new BmcEndpoint(bmc.address(), "admin", "pw", null, false),
        RedfishOptions.DEFAULTS, null);
    try {
      return client.inspect().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } finally {
      client.close();
      bmc.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  private static JsonObject link(String odataId) {
    return new JsonObject().put("@odata.id", odataId);
  }

  private static JsonObject collection(String odataId, String... members) {
    JsonArray m = new JsonArray();
    for (String member : members) {
      m.add(link(member));
    }
    return new JsonObject().put("@odata.id", odataId).put("Members", m).put("Members@odata.count", members.length);
  }

  private static void write(Path tree, String rest, JsonObject body) throws Exception {
    Path d = rest.isEmpty() ? tree : tree.resolve(rest);
    Files.createDirectories(d);
    Files.writeString(d.resolve("index.json"), body.encodePrettily());
  }
}

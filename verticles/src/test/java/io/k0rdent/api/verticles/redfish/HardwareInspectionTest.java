package io.k0rdent.api.verticles.redfish;

import static org.assertj.core.api.Assertions.assertThat;

import io.k0rdent.api.verticles.redfish.HardwareInspection.Cpu;
import io.k0rdent.api.verticles.redfish.HardwareInspection.Gpu;
import io.k0rdent.api.verticles.redfish.HardwareInspection.HardwareSpecs;
import io.k0rdent.api.verticles.redfish.HardwareInspection.Ram;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Inspection over HTTP against the fake BMC serving each capture: the GPUs of the table (each card counted
 * once whichever shapes it takes), and the host's CPUs and memory as the captures record them.
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
    FakeBmc bmc = fakeBmc(capture, "admin", "pw");
    RedfishClient client = RedfishClient.create(vertx, new BmcEndpoint(bmc.address(), "admin", "pw", null, false),
        RedfishOptions.DEFAULTS, null);
    try {
      HardwareSpecs specs = client.inspect().toCompletionStage().toCompletableFuture()
          .get(30, TimeUnit.SECONDS);
      assertThat(specs).isEqualTo(new HardwareSpecs(new Cpu(cpuModel, cpus, cores), new Ram(ramGiB),
          new Gpu(gpuModel, gpus)));
    } finally {
      client.close();
      bmc.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }
}

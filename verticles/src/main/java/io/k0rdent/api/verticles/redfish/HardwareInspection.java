package io.k0rdent.api.verticles.redfish;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * What a server is made of, read from its BMC: the contract's {@code hardwareSpecs} ({@code cpu {model, count,
 * cores}}, {@code ram {totalGiB}}, {@code gpu {model, count}}) from the Systems' Processors and MemorySummary and
 * the PCIe devices of the Chassis and Systems.
 *
 * <p>GPUs come in three shapes: processors of {@code ProcessorType} {@code GPU} (possibly of a second system, a
 * GPU baseboard), PCIe devices only, or both for the same card. Each card is counted once: a processor claims its
 * serial number and its linked PCIe device's {@code Id}, and a PCIe device counts only when neither is claimed,
 * when one of its functions is a display controller or processing accelerator, and when it names a model or a GPU
 * vendor (so on-board VGA and unnamed functions are not GPUs). A GPU processor without a model takes its PCIe
 * device's name.
 *
 * <p>CPUs are the present {@code CPU} processors of the host system (the system that has CPUs); {@code cores} is
 * per CPU; RAM is the host's {@code MemorySummary.TotalSystemMemoryGiB} (a GPU baseboard's memory is GPU
 * memory, not RAM).
 */
public final class HardwareInspection {

  /** The contract's {@code hardwareSpecs}. */
  public record HardwareSpecs(Cpu cpu, Ram ram, Gpu gpu) {

    /** As the API shows it. */
    public JsonObject json() {
      JsonObject cpuJson = new JsonObject().put("count", cpu.count()).put("cores", cpu.cores());
      if (cpu.model() != null) {
        cpuJson.put("model", cpu.model());
      }
      JsonObject gpuJson = new JsonObject().put("count", gpu.count());
      if (gpu.model() != null) {
        gpuJson.put("model", gpu.model());
      }
      return new JsonObject().put("cpu", cpuJson).put("ram", new JsonObject().put("totalGiB", ram.totalGiB()))
          .put("gpu", gpuJson);
    }
  }

  /** {@code model} null when the BMC does not say; {@code cores} per CPU. */
  public record Cpu(String model, int count, int cores) {}

  public record Ram(double totalGiB) {}

  /** {@code model} of the first GPU found (null when none or unnamed); {@code count} 0 when none. */
  public record Gpu(String model, int count) {}

  private static final List<String> GPU_VENDORS = List.of("NVIDIA", "AMD", "ADVANCED MICRO DEVICES");
  private static final Set<String> GPU_CLASSES = Set.of("DisplayController", "ProcessingAccelerators");

  private HardwareInspection() {}

  /** Inspects the BMC {@code client} talks to. */
  public static Future<HardwareSpecs> inspect(RedfishClient client) {
    return client.get("/redfish/v1").compose(root -> {
      if (root == null) {
        return Future.failedFuture(new RedfishClient.RedfishException("no Redfish service root at /redfish/v1"));
      }
      return client.members(root.getJsonObject("Systems")).compose(systems -> {
        List<Future<List<JsonObject>>> processors = new ArrayList<>();
        systems.forEach(s -> processors.add(client.members(s.getJsonObject("Processors"))));
        return Future.all(processors).compose(p -> pcieDevices(client, root, systems).compose(devices -> {
          List<JsonObject> all = new ArrayList<>();
          int host = -1;
          int hostCpus = -1;
          for (int i = 0; i < systems.size(); i++) {
            List<JsonObject> ofSystem = p.resultAt(i);
            all.addAll(ofSystem);
            int cpus = (int) ofSystem.stream().filter(HardwareInspection::isPresentCpu).count();
            if (cpus > hostCpus) {
              hostCpus = cpus;
              host = i;
            }
          }
          List<JsonObject> cpus = host < 0 ? List.of() : p.<List<JsonObject>>resultAt(host).stream()
              .filter(HardwareInspection::isPresentCpu).toList();
          Ram ram = ram(host < 0 ? null : systems.get(host));
          return gpus(client, all, devices).map(gpu -> new HardwareSpecs(cpu(cpus), ram, gpu));
        }));
      });
    });
  }

  private static boolean isPresentCpu(JsonObject p) {
    return "CPU".equals(p.getString("ProcessorType"))
        && !"Absent".equals(p.getJsonObject("Status", new JsonObject()).getString("State"));
  }

  private static Cpu cpu(List<JsonObject> cpus) {
    String model = cpus.stream().map(c -> trimmed(c.getString("Model"))).filter(m -> m != null).findFirst().orElse(null);
    int cores = cpus.stream().map(c -> c.getInteger("TotalCores")).filter(c -> c != null).findFirst().orElse(0);
    return new Cpu(model, cpus.size(), cores);
  }

  /** The host's {@code MemorySummary.TotalSystemMemoryGiB}; 0 when it does not say. */
  private static Ram ram(JsonObject host) {
    Number gib = host == null ? null : host.getJsonObject("MemorySummary", new JsonObject())
        .getNumber("TotalSystemMemoryGiB");
    return new Ram(gib == null ? 0 : gib.doubleValue());
  }

  /** The PCIe devices of every Chassis and System, by their {@code @odata.id} (each once). */
  private static Future<List<JsonObject>> pcieDevices(RedfishClient client, JsonObject root, List<JsonObject> systems) {
    return client.members(root.getJsonObject("Chassis")).compose(chassis -> {
      List<Future<List<JsonObject>>> lists = new ArrayList<>();
      for (JsonObject c : chassis) {
        lists.add(devicesOf(client, c));
      }
      for (JsonObject s : systems) {
        lists.add(devicesOf(client, s));
      }
      return Future.all(lists).map(all -> {
        List<JsonObject> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < lists.size(); i++) {
          for (JsonObject d : all.<List<JsonObject>>resultAt(i)) {
            if (seen.add(d.getString("@odata.id", ""))) {
              out.add(d);
            }
          }
        }
        return out;
      });
    });
  }

  /** A chassis's or system's PCIe devices: a collection link, or (older schemas) an array of links. */
  private static Future<List<JsonObject>> devicesOf(RedfishClient client, JsonObject resource) {
    Object link = resource.getValue("PCIeDevices");
    if (link instanceof JsonObject collection) {
      return client.members(collection);
    }
    if (link instanceof JsonArray links) {
      return client.followAll(links);
    }
    return Future.succeededFuture(List.of());
  }

  private static Future<Gpu> gpus(RedfishClient client, List<JsonObject> processors, List<JsonObject> devices) {
    Set<String> claimed = new HashSet<>();
    List<String> models = new ArrayList<>();
    List<Future<String>> named = new ArrayList<>();
    for (JsonObject p : processors) {
      if (!"GPU".equals(p.getString("ProcessorType"))) {
        continue;
      }
      String serial = trimmed(p.getString("SerialNumber"));
      if (serial != null && !claimed.add("sn:" + serial)) {
        continue; // the same card, as a processor of another system
      }
      JsonObject link = p.getJsonObject("Links", new JsonObject()).getJsonObject("PCIeDevice");
      String linked = link == null ? null : link.getString("@odata.id");
      if (linked != null) {
        claimed.add("pcie:" + lastSegment(linked));
      }
      String model = trimmed(p.getString("Model"));
      named.add(model != null ? Future.succeededFuture(model)
          : client.follow(link).map(d -> d == null ? null : deviceModel(d)));
    }
    List<Future<Boolean>> checks = new ArrayList<>();
    List<JsonObject> candidates = new ArrayList<>();
    for (JsonObject d : devices) {
      String serial = trimmed(d.getString("SerialNumber"));
      if (claimed.contains("pcie:" + d.getString("Id", lastSegment(d.getString("@odata.id", ""))))
          || serial != null && claimed.contains("sn:" + serial)) {
        continue;
      }
      if (deviceModel(d) == null && !namesGpuVendor(d)) {
        continue;
      }
      candidates.add(d);
      checks.add(isGpuClass(client, d));
    }
    return Future.all(named).compose(n -> Future.all(checks).map(c -> {
      for (int i = 0; i < named.size(); i++) {
        models.add(n.resultAt(i));
      }
      Set<String> deviceKeys = new HashSet<>();
      for (int i = 0; i < candidates.size(); i++) {
        JsonObject d = candidates.get(i);
        String serial = trimmed(d.getString("SerialNumber"));
        String key = serial != null ? "sn:" + serial : "pcie:" + d.getString("Id", d.getString("@odata.id"));
        if (Boolean.TRUE.equals(c.resultAt(i)) && deviceKeys.add(key)) {
          models.add(deviceModel(d));
        }
      }
      String model = models.stream().filter(m -> m != null).findFirst().orElse(null);
      return new Gpu(model, models.size());
    }));
  }

  /** Whether a function of device {@code d} is a display controller or processing accelerator. */
  private static Future<Boolean> isGpuClass(RedfishClient client, JsonObject d) {
    JsonObject functions = d.getJsonObject("PCIeFunctions");
    if (functions == null) {
      functions = d.getJsonObject("Links", new JsonObject()).getValue("PCIeFunctions") instanceof JsonObject o
          ? o : null;
    }
    return client.members(functions).map(fs -> fs.stream().map(f -> f.getValue("DeviceClass"))
        .anyMatch(c -> c instanceof String cls && GPU_CLASSES.contains(cls)));
  }

  /** A device's model: its {@code Model}, else its {@code Name} when that names a GPU vendor; null otherwise. */
  private static String deviceModel(JsonObject d) {
    String model = trimmed(d.getString("Model"));
    if (model != null && !model.equalsIgnoreCase("N/A")) {
      return model;
    }
    String name = trimmed(d.getString("Name"));
    return name != null && GPU_VENDORS.stream().anyMatch(v -> name.toUpperCase(Locale.ROOT).contains(v))
        && !name.equalsIgnoreCase(trimmed(d.getString("Manufacturer"))) ? name : null;
  }

  private static boolean namesGpuVendor(JsonObject d) {
    String m = trimmed(d.getString("Manufacturer"));
    return m != null && GPU_VENDORS.stream().anyMatch(v -> m.toUpperCase(Locale.ROOT).contains(v));
  }

  private static String lastSegment(String odataId) {
    String s = odataId.endsWith("/") ? odataId.substring(0, odataId.length() - 1) : odataId;
    return s.substring(s.lastIndexOf('/') + 1);
  }

  private static String trimmed(String s) {
    if (s == null) {
      return null;
    }
    String t = s.trim();
    return t.isEmpty() ? null : t;
  }
}

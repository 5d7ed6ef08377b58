package io.k0rdent.api.verticles.redfish;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

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
 *
 * <p>The extension's {@code nics} are the host's {@code EthernetInterfaces} and its {@code disks} the
 * {@code Drives} its {@code Storage} members link (else, on BMCs with only the older schema, its
 * {@code SimpleStorage} devices); absent ones are left out, and a link the BMC does not serve just makes a list
 * shorter.
 */
public final class HardwareInspection {

  /**
   * The contract's {@code hardwareSpecs}, with the {@code nics} and {@code disks} extension (each ordered by
   * {@code id}, never null).
   */
  public record HardwareSpecs(Cpu cpu, Ram ram, Gpu gpu, List<Nic> nics, List<Disk> disks) {

    public HardwareSpecs {
      nics = nics == null ? List.of() : List.copyOf(nics);
      disks = disks == null ? List.of() : List.copyOf(disks);
    }

    /** Without NICs and disks. */
    public HardwareSpecs(Cpu cpu, Ram ram, Gpu gpu) {
      this(cpu, ram, gpu, List.of(), List.of());
    }

    /** As the API shows it (null members of NICs and disks left out). */
    public JsonObject json() {
      JsonObject cpuJson = new JsonObject().put("count", cpu.count()).put("cores", cpu.cores());
      if (cpu.model() != null) {
        cpuJson.put("model", cpu.model());
      }
      JsonObject gpuJson = new JsonObject().put("count", gpu.count());
      if (gpu.model() != null) {
        gpuJson.put("model", gpu.model());
      }
      JsonArray nicsJson = new JsonArray();
      for (Nic n : nics) {
        nicsJson.add(withoutNulls(new JsonObject().put("id", n.id()).put("macAddress", n.macAddress())
            .put("speedMbps", n.speedMbps())));
      }
      JsonArray disksJson = new JsonArray();
      for (Disk d : disks) {
        disksJson.add(withoutNulls(new JsonObject().put("id", d.id()).put("model", d.model())
            .put("capacityBytes", d.capacityBytes()).put("mediaType", d.mediaType())));
      }
      return new JsonObject().put("cpu", cpuJson).put("ram", new JsonObject().put("totalGiB", ram.totalGiB()))
          .put("gpu", gpuJson).put("nics", nicsJson).put("disks", disksJson);
    }

    private static JsonObject withoutNulls(JsonObject o) {
      o.getMap().values().removeIf(v -> v == null);
      return o;
    }
  }

  /** {@code model} null when the BMC does not say; {@code cores} per CPU. */
  public record Cpu(String model, int count, int cores) {}

  public record Ram(double totalGiB) {}

  /** {@code model} of the first GPU found (null when none or unnamed); {@code count} 0 when none. */
  public record Gpu(String model, int count) {}

  /**
   * A network interface of the host: {@code id} its {@code Id}; {@code macAddress} lowercase colon form, null
   * when the BMC gives no valid 48-bit MAC; {@code speedMbps} as the BMC says (null when it does not).
   */
  public record Nic(String id, String macAddress, Integer speedMbps) {}

  /**
   * A drive of the host: {@code id} its {@code Id} (a {@code SimpleStorage} device's {@code Name});
   * {@code mediaType} {@code HDD}, {@code SSD} or {@code SMR} as the BMC says; null members unknown.
   */
  public record Disk(String id, String model, Long capacityBytes, String mediaType) {}

  private static final List<String> GPU_VENDORS = List.of("NVIDIA", "AMD", "ADVANCED MICRO DEVICES");
  private static final Set<String> GPU_CLASSES = Set.of("DisplayController", "ProcessingAccelerators");
  private static final Pattern MAC =
      Pattern.compile("[0-9A-Fa-f]{2}([:-])[0-9A-Fa-f]{2}(\\1[0-9A-Fa-f]{2}){4}|[0-9A-Fa-f]{12}");

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
          JsonObject hostSystem = host < 0 ? null : systems.get(host);
          Ram ram = ram(hostSystem);
          Future<Gpu> gpu = gpus(client, all, devices);
          Future<List<Nic>> nics = nics(client, hostSystem);
          Future<List<Disk>> disks = disks(client, hostSystem);
          return Future.all(gpu, nics, disks).map(x -> new HardwareSpecs(cpu(cpus), ram, gpu.result(),
              nics.result(), disks.result()));
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

  /**
   * The members of the host's {@code EthernetInterfaces} not {@code Absent}, by {@code Id}: MAC from
   * {@code MACAddress}, else {@code PermanentMACAddress} (the first valid one), speed from {@code SpeedMbps}.
   */
  private static Future<List<Nic>> nics(RedfishClient client, JsonObject host) {
    if (host == null) {
      return Future.succeededFuture(List.of());
    }
    return client.members(link(host, "EthernetInterfaces")).map(interfaces -> {
      List<Nic> out = new ArrayList<>();
      for (JsonObject e : interfaces) {
        String id = idOf(e, null);
        if (isAbsent(e) || id == null) {
          continue;
        }
        String mac = mac(e.getValue("MACAddress"));
        out.add(new Nic(id, mac != null ? mac : mac(e.getValue("PermanentMACAddress")),
            e.getValue("SpeedMbps") instanceof Number n ? Integer.valueOf(n.intValue()) : null));
      }
      out.sort(Comparator.comparing(Nic::id));
      return out;
    });
  }

  /**
   * The drives the host's {@code Storage} members link in {@code Drives} (each {@code @odata.id} once, absent
   * ones left out), by {@code Id}; when {@code Storage} yields no drive at all (no collection, no members, links
   * all missing), the devices of the host's {@code SimpleStorage} instead.
   */
  private static Future<List<Disk>> disks(RedfishClient client, JsonObject host) {
    if (host == null) {
      return Future.succeededFuture(List.of());
    }
    return client.members(link(host, "Storage")).compose(storages -> {
      List<JsonObject> links = new ArrayList<>();
      Set<String> seen = new HashSet<>();
      for (JsonObject storage : storages) {
        if (storage.getValue("Drives") instanceof JsonArray drives) {
          for (Object d : drives) {
            if (d instanceof JsonObject l && l.getValue("@odata.id") instanceof String id
                && seen.add(withoutTrailingSlash(id))) {
              links.add(l);
            }
          }
        }
      }
      List<Future<JsonObject>> each = links.stream().map(client::follow).toList();
      return Future.all(each).compose(all -> {
        List<Disk> out = new ArrayList<>();
        boolean any = false;
        for (int i = 0; i < each.size(); i++) {
          JsonObject d = all.resultAt(i);
          if (d == null) {
            continue;
          }
          any = true;
          if (!isAbsent(d)) {
            out.add(new Disk(idOf(d, links.get(i).getString("@odata.id")), trimmed(string(d.getValue("Model"))),
                d.getValue("CapacityBytes") instanceof Number n ? Long.valueOf(n.longValue()) : null,
                trimmed(string(d.getValue("MediaType")))));
          }
        }
        if (!any) {
          return simpleStorage(client, host);
        }
        out.sort(Comparator.comparing(Disk::id));
        return Future.succeededFuture(out);
      });
    });
  }

  /**
   * The devices of the host's {@code SimpleStorage} members not {@code Absent}: {@code Name} as id, {@code Model}
   * (else {@code Name}) as model; no media type.
   */
  private static Future<List<Disk>> simpleStorage(RedfishClient client, JsonObject host) {
    return client.members(link(host, "SimpleStorage")).map(controllers -> {
      List<Disk> out = new ArrayList<>();
      for (JsonObject c : controllers) {
        if (!(c.getValue("Devices") instanceof JsonArray devices)) {
          continue;
        }
        for (Object o : devices) {
          if (!(o instanceof JsonObject d) || isAbsent(d)) {
            continue;
          }
          String name = trimmed(string(d.getValue("Name")));
          String model = trimmed(string(d.getValue("Model")));
          if (name == null && model == null) {
            continue;
          }
          out.add(new Disk(name != null ? name : model, model != null ? model : name,
              d.getValue("CapacityBytes") instanceof Number n ? Long.valueOf(n.longValue()) : null, null));
        }
      }
      out.sort(Comparator.comparing(Disk::id));
      return out;
    });
  }

  /** A 48-bit MAC ({@code aa:bb:..}, {@code aa-bb-..}, or 12 hex digits) in lowercase colon form; else null. */
  static String mac(Object value) {
    String s = trimmed(string(value));
    if (s == null || !MAC.matcher(s).matches()) {
      return null;
    }
    String hex = s.replace(":", "").replace("-", "").toLowerCase(Locale.ROOT);
    StringBuilder out = new StringBuilder(17);
    for (int i = 0; i < 12; i += 2) {
      out.append(i == 0 ? "" : ":").append(hex, i, i + 2);
    }
    return out.toString();
  }

  /** A resource's {@code Id}, else the last segment of its {@code @odata.id}, else of {@code link}; or null. */
  private static String idOf(JsonObject resource, String link) {
    String id = trimmed(string(resource.getValue("Id")));
    if (id != null) {
      return id;
    }
    String self = string(resource.getValue("@odata.id"));
    String from = self != null ? self : link;
    return from == null ? null : trimmed(lastSegment(withoutTrailingSlash(from.replaceFirst("#.*$", ""))));
  }

  private static boolean isAbsent(JsonObject resource) {
    return resource.getValue("Status") instanceof JsonObject status && "Absent".equals(status.getValue("State"));
  }

  /** {@code resource}'s link object {@code key}, or null when it has none. */
  private static JsonObject link(JsonObject resource, String key) {
    return resource.getValue(key) instanceof JsonObject l ? l : null;
  }

  private static String string(Object value) {
    return value instanceof String s ? s : null;
  }

  private static String withoutTrailingSlash(String odataId) {
    return odataId.length() > 1 && odataId.endsWith("/") ? odataId.substring(0, odataId.length() - 1) : odataId;
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

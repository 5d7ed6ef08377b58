package io.k0rdent.api.verticles.config;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Builds {@link Settings}: class-path defaults, then the YAML file (unknown keys are an error), then
 * environment variables {@code K0RDENT_<PATH>} ({@code http.arcPort} → {@code K0RDENT_HTTP_ARC_PORT}),
 * then explicit overrides (command-line flags) by dotted key. Errors are {@link ConfigException}s whose
 * message names the key.
 */
public final class ConfigLoader {

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  /** A configuration that cannot be used; the message names the key or file. */
  public static final class ConfigException extends RuntimeException {
    public ConfigException(String message) {
      super(message);
    }
  }

  private ConfigLoader() {}

  /**
   * @param file      YAML file, or null
   * @param env       the environment (normally {@code System.getenv()}); empty values count as unset
   * @param overrides dotted key → value (e.g. {@code http.arcPort → 0}); null values are ignored
   */
  public static Settings load(Path file, Map<String, String> env, Map<String, Object> overrides) {
    return load(Map.of(), file, env, overrides);
  }

  /**
   * As {@link #load(Path, Map, Map)}, with {@code modeDefaults} (dotted key → value) replacing the
   * class-path defaults before the file is read: a mode's own defaults, such as dev's loopback binding.
   */
  public static Settings load(Map<String, Object> modeDefaults, Path file, Map<String, String> env,
                              Map<String, Object> overrides) {
    ObjectNode tree = defaults();
    modeDefaults.forEach((k, v) -> set(tree, k, v.toString()));
    if (file != null) {
      JsonNode fromFile;
      if (!Files.isRegularFile(file)) {
        throw new ConfigException("configuration file " + file + " does not exist or is not a file");
      }
      try {
        fromFile = YAML.readTree(Files.readString(file));
      } catch (IOException e) {
        throw new ConfigException("cannot read configuration file " + file + ": "
            + e.getMessage().split("\n", 2)[0]);
      }
      if (fromFile != null && !fromFile.isMissingNode() && !fromFile.isNull()) {
        if (!fromFile.isObject()) {
          throw new ConfigException("configuration file " + file + " must hold a YAML mapping");
        }
        merge(tree, (ObjectNode) fromFile, "");
      }
    }
    for (String key : leafKeys(tree, "")) {
      String value = env.get(envName(key));
      if (value != null && !value.isEmpty()) {
        set(tree, key, value);
      }
    }
    overrides.forEach((k, v) -> {
      if (v != null) {
        set(tree, k, v.toString());
      }
    });
    Settings s;
    try {
      s = YAML.treeToValue(tree, Settings.class);
    } catch (IOException e) {
      throw new ConfigException("invalid configuration: " + e.getMessage().split("\n", 2)[0]);
    }
    check(s.http().arcPort() >= 0 && s.http().arcPort() <= 65535, "http.arcPort must be 0..65535");
    check(s.http().atlasPort() >= 0 && s.http().atlasPort() <= 65535, "http.atlasPort must be 0..65535");
    check(s.http().managementPort() >= 0 && s.http().managementPort() <= 65535,
        "http.managementPort must be 0..65535");
    check(s.http().instances() >= 0, "http.instances must be 0 (one per core) or more");
    check(s.http().bodyLimitBytes() > 0, "http.bodyLimitBytes must be positive");
    check(s.http().shutdownTimeoutSeconds() >= 0, "http.shutdownTimeoutSeconds must not be negative");
    check(s.database().poolSize() > 0, "database.poolSize must be positive");
    check(s.database().url() == null || s.database().url().isBlank() || isPostgresUrl(s.database().url()),
        "database.url must look like postgresql://user:password@host:5432/database");
    check(s.auth().tokenTtlSeconds() > 0, "auth.tokenTtlSeconds must be positive");
    check(s.hazelcast().effectiveBindAddress() != null, "hazelcast.bindAddress must name this node's private "
        + "interface when hazelcast.members is set: Hazelcast's port has no authentication, so it must only be "
        + "reachable from the other nodes (firewall it to them)");
    check(s.auth().credentialMaxLifetimeDays() > 0, "auth.credentialMaxLifetimeDays must be positive");
    check(s.auth().apiKeyMaxLifetimeDays() > 0, "auth.apiKeyMaxLifetimeDays must be positive");
    check(s.auth().rateLimitPerClient() >= 0, "auth.rateLimitPerClient must be 0 (off) or more");
    check(s.auth().rateLimitPerAddress() >= 0, "auth.rateLimitPerAddress must be 0 (off) or more");
    check(s.auth().rateLimitFailuresPerAddress() >= 0, "auth.rateLimitFailuresPerAddress must be 0 (off) or more");
    check(io.k0rdent.api.core.resource.Slugs.isValid(s.bootstrap().organizationId()),
        "bootstrap.organizationId must be a slug");
    check(s.bootstrap().clientId() == null || CLIENT_ID.matcher(s.bootstrap().clientId()).matches(),
        "bootstrap.clientId must be 1 to 255 characters of A-Z a-z 0-9 . _ ~ @ -");
    check(s.bootstrap().clientSecret() == null || CLIENT_SECRET.matcher(s.bootstrap().clientSecret()).matches(),
        "bootstrap.clientSecret must be 32 to 512 characters of A-Z a-z 0-9 . _ ~ - (URL-safe, so HTTP Basic "
            + "and form bodies need no escaping); generate one with: openssl rand -base64 48 | tr '+/' '-_' | tr -d =");
    return s;
  }

  /** A configured bootstrap client id: unreserved URL characters plus {@code @}. */
  private static final java.util.regex.Pattern CLIENT_ID = java.util.regex.Pattern.compile("[A-Za-z0-9._~@-]{1,255}");
  /** A configured bootstrap secret: at least 32 unreserved URL characters (≥ 190 bits if random). */
  private static final java.util.regex.Pattern CLIENT_SECRET = java.util.regex.Pattern.compile("[A-Za-z0-9._~-]{32,512}");

  /**
   * Environment variables that look like ours ({@code K0RDENT_*}) but name no key; the launcher warns
   * about them. {@code K0RDENT_LOG_LEVEL} and {@code K0RDENT_TEST_*} are known.
   */
  public static List<String> unknownEnvironment(Map<String, String> env) {
    java.util.Set<String> known = new java.util.HashSet<>();
    keys().forEach(k -> known.add(envName(k)));
    known.add("K0RDENT_LOG_LEVEL");
    return env.keySet().stream()
        .filter(n -> n.startsWith("K0RDENT_") && !known.contains(n) && !n.startsWith("K0RDENT_TEST_"))
        .sorted().toList();
  }

  private static boolean isPostgresUrl(String url) {
    try {
      java.net.URI u = new java.net.URI(url);
      return ("postgresql".equals(u.getScheme()) || "postgres".equals(u.getScheme())) && u.getHost() != null
          && u.getPort() <= 65535 && u.getPath() != null && u.getPath().length() > 1;
    } catch (java.net.URISyntaxException e) {
      return false;
    }
  }

  private static void check(boolean ok, String message) {
    if (!ok) {
      throw new ConfigException(message);
    }
  }

  /** {@code http.arcPort} → {@code K0RDENT_HTTP_ARC_PORT}. */
  public static String envName(String key) {
    return "K0RDENT_" + key.replaceAll("([a-z0-9])([A-Z])", "$1_$2").replace('.', '_').toUpperCase(Locale.ROOT);
  }

  /** Every configuration key, dotted. */
  public static List<String> keys() {
    return leafKeys(defaults(), "");
  }

  private static ObjectNode defaults() {
    try (InputStream in = ConfigLoader.class.getResourceAsStream("/k0rdent-defaults.yaml")) {
      return (ObjectNode) YAML.readTree(in);
    } catch (IOException e) {
      throw new IllegalStateException("k0rdent-defaults.yaml is unreadable", e);
    }
  }

  private static void merge(ObjectNode into, ObjectNode from, String prefix) {
    Iterator<Map.Entry<String, JsonNode>> it = from.fields();
    while (it.hasNext()) {
      var e = it.next();
      String key = prefix + e.getKey();
      JsonNode existing = into.get(e.getKey());
      if (existing == null) {
        throw new ConfigException("unknown configuration key '" + key + "'");
      }
      if (existing.isObject()) {
        if (!e.getValue().isObject()) {
          throw new ConfigException("configuration key '" + key + "' must be a mapping");
        }
        merge((ObjectNode) existing, (ObjectNode) e.getValue(), key + ".");
      } else {
        into.set(e.getKey(), e.getValue());
      }
    }
  }

  private static List<String> leafKeys(ObjectNode node, String prefix) {
    List<String> keys = new ArrayList<>();
    node.fields().forEachRemaining(e -> {
      if (e.getValue().isObject()) {
        keys.addAll(leafKeys((ObjectNode) e.getValue(), prefix + e.getKey() + "."));
      } else {
        keys.add(prefix + e.getKey());
      }
    });
    return keys;
  }

  private static void set(ObjectNode tree, String key, String value) {
    String[] parts = key.split("\\.");
    ObjectNode node = tree;
    for (int i = 0; i < parts.length - 1; i++) {
      JsonNode child = node.get(parts[i]);
      if (!(child instanceof ObjectNode o)) {
        throw new ConfigException("unknown configuration key '" + key + "'");
      }
      node = o;
    }
    String leaf = parts[parts.length - 1];
    if (!node.has(leaf)) {
      throw new ConfigException("unknown configuration key '" + key + "'");
    }
    node.set(leaf, JsonNodeFactory.instance.textNode(value));
  }
}

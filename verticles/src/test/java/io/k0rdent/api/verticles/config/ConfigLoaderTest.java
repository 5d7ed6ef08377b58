package io.k0rdent.api.verticles.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Layering of defaults, file, environment and flags, and refusal of unknown keys and bad values. */
class ConfigLoaderTest {

  @Test
  void defaultsAreDocumentedValues() {
    Settings s = ConfigLoader.load(null, Map.of(), Map.of());
    assertThat(s.http().arcPort()).isEqualTo(8080);
    assertThat(s.http().atlasPort()).isEqualTo(8081);
    assertThat(s.http().managementPort()).isEqualTo(9000);
    assertThat(s.auth().tokenTtlSeconds()).isEqualTo(900);
    assertThat(s.bootstrap().organizationId()).isEqualTo("provider");
    assertThat(s.region().name()).isEqualTo("local-1");
    assertThat(s.database().url()).isNull();
  }

  @Test
  void theAuditLogsRetentionHasDefaultsAndRefusesBadValues(@TempDir Path dir) throws Exception {
    Settings d = ConfigLoader.load(null, Map.of(), Map.of());
    assertThat(d.events().retentionDays()).isEqualTo(90);
    assertThat(d.events().purgeIntervalSeconds()).isEqualTo(3600);
    assertThat(d.events().relayEnabled()).isFalse();
    Path f = dir.resolve("k.yaml");
    Files.writeString(f, "events:\n  retentionDays: 30\n  purgeIntervalSeconds: 60\n"
        + "  kafkaBootstrapServers: k:9092\n");
    Settings s = ConfigLoader.load(f, Map.of("K0RDENT_EVENTS_RETENTION_DAYS", "0"), Map.of());
    assertThat(s.events().retentionDays()).isZero();
    assertThat(s.events().purgeIntervalSeconds()).isEqualTo(60);
    assertThat(s.events().relayEnabled()).isTrue();
    assertThat(ConfigLoader.load(null, Map.of(), Map.of("events.retentionDays", 36_500)).events().retentionDays())
        .isEqualTo(36_500);
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("K0RDENT_EVENTS_RETENTION_DAYS", "ninety"), Map.of()))
        .isInstanceOf(ConfigLoader.ConfigException.class);
    for (Object bad : new Object[] {-1, 36_501}) {
      assertThatThrownBy(() -> ConfigLoader.load(null, Map.of(), Map.of("events.retentionDays", bad)))
          .as("retentionDays %s", bad).isInstanceOf(ConfigLoader.ConfigException.class)
          .hasMessageContaining("retentionDays");
    }
    for (Object bad : new Object[] {0, -5}) {
      assertThatThrownBy(() -> ConfigLoader.load(null, Map.of(), Map.of("events.purgeIntervalSeconds", bad)))
          .as("purgeIntervalSeconds %s", bad).isInstanceOf(ConfigLoader.ConfigException.class)
          .hasMessageContaining("events.purgeIntervalSeconds");
    }
    assertThat(ConfigLoader.keys()).contains("events.retentionDays", "events.purgeIntervalSeconds");
  }

  @Test
  void theExampleFilesLoad() {
    for (String name : new String[] {"dev.yaml", "production.example.yaml"}) {
      Path f = Path.of("..", "config", name);
      Settings s = ConfigLoader.load(f, Map.of(), Map.of("hazelcast.bindAddress", "127.0.0.1"));
      assertThat(s.events().retentionDays()).as(name).isEqualTo(90);
    }
  }

  @Test
  void hazelcastNeverListensBeyondLoopbackUnlessToldWhere() {
    Settings lone = ConfigLoader.load(null, Map.of(), Map.of());
    assertThat(lone.hazelcast().effectiveBindAddress()).isEqualTo("127.0.0.1");
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of(), Map.of("hazelcast.members", "10.0.0.2")))
        .isInstanceOf(ConfigLoader.ConfigException.class).hasMessageContaining("hazelcast.bindAddress");
    Settings clustered = ConfigLoader.load(null, Map.of(),
        Map.of("hazelcast.members", "10.0.0.2", "hazelcast.bindAddress", "10.0.0.1"));
    assertThat(clustered.hazelcast().effectiveBindAddress()).isEqualTo("10.0.0.1");
  }

  @Test
  void envNamesFollowTheKeyPath() {
    assertThat(ConfigLoader.envName("http.arcPort")).isEqualTo("K0RDENT_HTTP_ARC_PORT");
    assertThat(ConfigLoader.envName("bootstrap.clientSecret")).isEqualTo("K0RDENT_BOOTSTRAP_CLIENT_SECRET");
    assertThat(ConfigLoader.envName("database.url")).isEqualTo("K0RDENT_DATABASE_URL");
  }

  @Test
  void fileThenEnvironmentThenFlags(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("k.yaml");
    Files.writeString(f, "http:\n  arcPort: 7000\n  atlasPort: 7001\ndatabase:\n  url: postgresql://a@b/c\n");
    Settings s = ConfigLoader.load(f, Map.of("K0RDENT_HTTP_ATLAS_PORT", "7101", "K0RDENT_AUTH_AUDIENCE", "x"),
        Map.of("http.managementPort", 7202));
    assertThat(s.http().arcPort()).isEqualTo(7000);
    assertThat(s.http().atlasPort()).isEqualTo(7101);
    assertThat(s.http().managementPort()).isEqualTo(7202);
    assertThat(s.auth().audience()).isEqualTo("x");
    assertThat(s.database().url()).isEqualTo("postgresql://a@b/c");
  }

  @Test
  void everyKeyHasAnEnvironmentOverride() {
    for (String key : ConfigLoader.keys()) {
      assertThat(ConfigLoader.envName(key)).startsWith("K0RDENT_").matches("[A-Z0-9_]+");
    }
    assertThat(ConfigLoader.keys()).contains("http.arcPort", "database.url", "bootstrap.clientId", "auth.pepper");
  }

  @Test
  void unknownKeysAndBadValuesAreRefused(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("bad.yaml");
    Files.writeString(f, "http:\n  arcPrt: 1\n");
    assertThatThrownBy(() -> ConfigLoader.load(f, Map.of(), Map.of()))
        .isInstanceOf(ConfigLoader.ConfigException.class).hasMessageContaining("http.arcPrt");
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("K0RDENT_HTTP_ARC_PORT", "eighty"), Map.of()))
        .isInstanceOf(ConfigLoader.ConfigException.class);
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("K0RDENT_HTTP_ARC_PORT", "70000"), Map.of()))
        .isInstanceOf(ConfigLoader.ConfigException.class).hasMessageContaining("arcPort");
    for (String url : new String[] {"not a url", "http://x/db", "postgresql://h:99999/db", "postgresql://h:5432"}) {
      assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("K0RDENT_DATABASE_URL", url), Map.of()))
          .as(url).isInstanceOf(ConfigLoader.ConfigException.class).hasMessageContaining("database.url");
    }
    assertThatThrownBy(() -> ConfigLoader.load(dir.resolve("missing.yaml"), Map.of(), Map.of()))
        .isInstanceOf(ConfigLoader.ConfigException.class).hasMessageContaining("missing.yaml");
  }

  @Test
  void emptyEnvironmentValuesCountAsUnset() {
    Settings s = ConfigLoader.load(null, Map.of("K0RDENT_BOOTSTRAP_CLIENT_ID", "", "K0RDENT_BOOTSTRAP_CLIENT_SECRET", "",
        "K0RDENT_HTTP_ARC_PORT", ""), Map.of());
    assertThat(s.bootstrap().clientId()).isNull();
    assertThat(s.bootstrap().clientSecret()).isNull();
    assertThat(s.http().arcPort()).isEqualTo(8080);
  }

  @Test
  void weakOrUnsafeBootstrapCredentialsAreRefused() {
    for (String secret : new String[] {"x", "short-secret", "has space but is long enough to pass the length",
        "colon:is:not:allowed:in:a:secret:value:0123456789", "plus+and/slash=are+form+special+0123456789abcdef"}) {
      assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("K0RDENT_BOOTSTRAP_CLIENT_SECRET", secret), Map.of()))
          .as(secret).isInstanceOf(ConfigLoader.ConfigException.class).hasMessageContaining("bootstrap.clientSecret");
    }
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("K0RDENT_BOOTSTRAP_CLIENT_ID", "a:b"), Map.of()))
        .isInstanceOf(ConfigLoader.ConfigException.class).hasMessageContaining("bootstrap.clientId");
    Settings ok = ConfigLoader.load(null, Map.of("K0RDENT_BOOTSTRAP_CLIENT_ID", "ci@provider.iam",
        "K0RDENT_BOOTSTRAP_CLIENT_SECRET", "plt_cs_cred-bootstrap_0123456789abcdefghijABCDEFGHIJ-_.~"), Map.of());
    assertThat(ok.bootstrap().clientId()).isEqualTo("ci@provider.iam");
  }

  @Test
  void modeDefaultsSitBelowTheFile(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("k.yaml");
    Files.writeString(f, "http:\n  host: 0.0.0.0\n");
    Map<String, Object> dev = Map.of("http.host", "127.0.0.1", "hazelcast.bindAddress", "127.0.0.1");
    assertThat(ConfigLoader.load(dev, null, Map.of(), Map.of()).http().host()).isEqualTo("127.0.0.1");
    assertThat(ConfigLoader.load(dev, f, Map.of(), Map.of()).http().host()).isEqualTo("0.0.0.0");
    assertThat(ConfigLoader.load(dev, null, Map.of("K0RDENT_HTTP_HOST", "10.1.2.3"), Map.of()).http().host())
        .isEqualTo("10.1.2.3");
  }

  @Test
  void unknownK0rdentVariablesAreReported() {
    assertThat(ConfigLoader.unknownEnvironment(Map.of("K0RDENT_HTTP_BOGUS", "1", "K0RDENT_HTTP_ARC_PORT", "1",
        "K0RDENT_LOG_LEVEL", "DEBUG", "K0RDENT_TEST_PG_URL", "x", "PATH", "/bin")))
        .containsExactly("K0RDENT_HTTP_BOGUS");
  }

  @Test
  void hazelcastBindsOnlyTheConfiguredInterface() {
    Settings s = ConfigLoader.load(null, Map.of("K0RDENT_HAZELCAST_BIND_ADDRESS", "127.0.0.1"), Map.of());
    var config = io.k0rdent.api.verticles.cluster.HazelcastSetup.config(s.hazelcast());
    assertThat(config.getProperty("hazelcast.socket.bind.any")).isEqualTo("false");
    assertThat(config.getNetworkConfig().getInterfaces().getInterfaces()).containsExactly("127.0.0.1");
    assertThat(config.getNetworkConfig().getJoin().getMulticastConfig().isEnabled()).isFalse();
    assertThat(config.getNetworkConfig().getJoin().getTcpIpConfig().isEnabled()).isFalse();
  }
  @Test
  void bootstrapUsersComeFromTheFileWithDefaults(@TempDir Path dir) throws Exception {
    assertThat(ConfigLoader.load(null, Map.of(), Map.of()).bootstrap().users()).isEmpty();
    Path f = dir.resolve("users.yaml");
    Files.writeString(f, """
        bootstrap:
          organizationId: acme-provider
          users:
            - id: ann
              email: Ann@Example.com
              displayName: Ann Teammate
              roles: [org-viewer, org-viewer, ops-reader]
            - {id: bob, email: bob@example.com, displayName: Bob, organizationId: customer-1}
        """);
    Settings s = ConfigLoader.load(f, Map.of("K0RDENT_HTTP_ARC_PORT", "7100"), Map.of());
    assertThat(s.http().arcPort()).isEqualTo(7100); // other keys' variables still apply
    assertThat(s.bootstrap().users()).containsExactly(
        new Settings.User("ann", "Ann@Example.com", "Ann Teammate", "acme-provider", List.of("org-viewer", "ops-reader")),
        new Settings.User("bob", "bob@example.com", "Bob", "customer-1", List.of()));
    Files.writeString(f, "bootstrap:\n  users: null\n");
    assertThat(ConfigLoader.load(f, Map.of(), Map.of()).bootstrap().users()).isEmpty();
  }

  @Test
  void bootstrapUsersFromTheEnvironmentOrAFlagReplaceTheFilesList(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("users.yaml");
    Files.writeString(f, "bootstrap:\n  users:\n    - {id: ann, email: ann@example.com, displayName: Ann}\n");
    Settings env = ConfigLoader.load(f, Map.of("K0RDENT_BOOTSTRAP_USERS",
        "[{id: cy, email: cy@example.com, displayName: Cy, roles: [org-admin]}]"), Map.of());
    assertThat(env.bootstrap().users()).extracting(Settings.User::id).containsExactly("cy");
    Settings json = ConfigLoader.load(f, Map.of("K0RDENT_BOOTSTRAP_USERS",
        "[{\"id\":\"dee\",\"email\":\"dee@example.com\",\"displayName\":\"Dee\"}]"), Map.of());
    assertThat(json.bootstrap().users()).extracting(Settings.User::id).containsExactly("dee");
    Settings flag = ConfigLoader.load(f, Map.of(), Map.of("bootstrap.users",
        List.of(Map.of("id", "eve", "email", "eve@example.com", "displayName", "Eve"))));
    assertThat(flag.bootstrap().users()).extracting(Settings.User::id).containsExactly("eve");
    assertThat(ConfigLoader.unknownEnvironment(Map.of("K0RDENT_BOOTSTRAP_USERS", "[]"))).isEmpty();
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("K0RDENT_BOOTSTRAP_USERS", "ann"), Map.of()))
        .isInstanceOf(ConfigLoader.ConfigException.class).hasMessageContaining("bootstrap.users")
        .hasMessageContaining("must be a list");
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("K0RDENT_BOOTSTRAP_USERS", "[{id: ann"), Map.of()))
        .isInstanceOf(ConfigLoader.ConfigException.class).hasMessageContaining("K0RDENT_BOOTSTRAP_USERS");
  }

  @Test
  void badBootstrapUsersAreRefusedNamingTheField(@TempDir Path dir) throws Exception {
    String ann = "{id: ann, email: ann@example.com, displayName: Ann}";
    Map<String, String> cases = new java.util.LinkedHashMap<>();
    cases.put("users: ann", "configuration key 'bootstrap.users' must be a list");
    cases.put("users: [ann]", "bootstrap.users[0] must be a mapping");
    cases.put("users: [" + ann + ", {id: bob, email: bob@example.com, displayName: Bob, emial: x}]",
        "unknown configuration key 'bootstrap.users[1].emial'");
    cases.put("users: [{id: ann, displayName: Ann}]", "bootstrap.users[0].email is required");
    cases.put("users: [{email: ann@example.com, displayName: Ann}]", "bootstrap.users[0].id is required");
    cases.put("users: [{id: ann, email: ann@example.com}]", "bootstrap.users[0].displayName is required");
    cases.put("users: [{id: Ann, email: ann@example.com, displayName: Ann}]", "bootstrap.users[0].id");
    cases.put("users: [{id: ann, email: not-an-email, displayName: Ann}]", "bootstrap.users[0].email");
    cases.put("users: [{id: ann, email: [a], displayName: Ann}]", "bootstrap.users[0].email must be a string");
    cases.put("users: [{id: ann, email: ann@example.com, displayName: \"two\\nlines\"}]",
        "bootstrap.users[0].displayName");
    cases.put("users: [{id: ann, email: ann@example.com, displayName: Ann, organizationId: Not_A_Slug}]",
        "bootstrap.users[0].organizationId");
    cases.put("users: [{id: ann, email: ann@example.com, displayName: Ann, roles: org-viewer}]",
        "bootstrap.users[0].roles must be a list");
    cases.put("users: [{id: ann, email: ann@example.com, displayName: Ann, roles: [org-viewer, Bad Role]}]",
        "bootstrap.users[0].roles[1] must be a role id");
    cases.put("users: [{id: ann, email: ann@example.com, displayName: Ann, roles: [platform-admin]}]",
        "bootstrap.users[0].roles[0]: platform-admin");
    cases.put("users: [" + ann + ", {id: ann, email: ann2@example.com, displayName: Ann}]",
        "bootstrap.users[1].id: user 'ann' is already listed as bootstrap.users[0]");
    cases.put("users: [" + ann + ", {id: bob, email: ANN@example.com, displayName: Bob}]", "bootstrap.users[1].email");
    Path f = dir.resolve("bad.yaml");
    for (var c : cases.entrySet()) {
      Files.writeString(f, "bootstrap:\n  " + c.getKey() + "\n");
      assertThatThrownBy(() -> ConfigLoader.load(f, Map.of(), Map.of())).as(c.getKey())
          .isInstanceOf(ConfigLoader.ConfigException.class).hasMessageContaining(c.getValue());
    }
    // the same email in two organizations is two users
    Files.writeString(f, "bootstrap:\n  users: [" + ann
        + ", {id: bob, email: ann@example.com, displayName: Bob, organizationId: other}]\n");
    assertThat(ConfigLoader.load(f, Map.of(), Map.of()).bootstrap().users()).hasSize(2);
  }

  @Test
  void regionPoolsAndNetworkRangesAreCheckedAtLoad(@TempDir Path dir) throws Exception {
    Settings defaults = ConfigLoader.load(null, Map.of(), Map.of());
    assertThat(defaults.region().addressPools()).isEmpty();
    assertThat(defaults.ipam().networkRanges()).contains("10.0.0.0/8", "fc00::/7");

    Path f = dir.resolve("k.yaml");
    Files.writeString(f, "region:\n  name: us-texas-1\n  addressPools:\n    - id: fip\n      cidr: 198.51.100.0/24\n"
        + "ipam:\n  networkRanges: [10.0.0.0/8, 203.0.113.0/24]\n");
    Settings s = ConfigLoader.load(f, Map.of(), Map.of());
    assertThat(s.region().name()).isEqualTo("us-texas-1");
    assertThat(s.region().addressPools()).containsExactly(new Settings.AddressPool("fip", "198.51.100.0/24", null));
    assertThat(s.ipam().networkRanges()).containsExactly("10.0.0.0/8", "203.0.113.0/24");

    Settings fromEnv = ConfigLoader.load(null, Map.of("K0RDENT_REGION_ADDRESS_POOLS", "[{id: v6, cidr: '2001:db8:1::/48'}]"),
        Map.of());
    assertThat(fromEnv.region().addressPools()).containsExactly(new Settings.AddressPool("v6", "2001:db8:1::/48", null));

    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("K0RDENT_REGION_ADDRESS_POOLS", "[{id: a, cidr: 10.0.0.5/24}]"),
        Map.of())).isInstanceOf(ConfigLoader.ConfigException.class)
        .hasMessageContaining("region.addressPools[0].cidr").hasMessageContaining("10.0.0.0/24");
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("K0RDENT_REGION_ADDRESS_POOLS",
        "[{id: a, cidr: 198.51.100.0/24}, {id: a, cidr: 192.0.2.0/24}]"), Map.of()))
        .isInstanceOf(ConfigLoader.ConfigException.class).hasMessageContaining("listed twice");
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("K0RDENT_REGION_ADDRESS_POOLS",
        "[{id: a, cidr: 198.51.100.0/24}, {id: b, cidr: 198.51.100.128/25}]"), Map.of()))
        .isInstanceOf(ConfigLoader.ConfigException.class).hasMessageContaining("region.addressPools[1].cidr")
        .hasMessageContaining("overlaps");
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("K0RDENT_REGION_ADDRESS_POOLS", "[{id: Bad, cidr: 198.51.100.0/24}]"),
        Map.of())).isInstanceOf(ConfigLoader.ConfigException.class).hasMessageContaining("region.addressPools[0].id");
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("K0RDENT_IPAM_NETWORK_RANGES", "[10.0.0.1/8]"), Map.of()))
        .isInstanceOf(ConfigLoader.ConfigException.class).hasMessageContaining("ipam.networkRanges");
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("K0RDENT_IPAM_NETWORK_RANGES", "[]"), Map.of()))
        .isInstanceOf(ConfigLoader.ConfigException.class).hasMessageContaining("at least one");
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("K0RDENT_REGION_NAME", "global"), Map.of()))
        .isInstanceOf(ConfigLoader.ConfigException.class).hasMessageContaining("region.name");
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("K0RDENT_REGION_NAME", "US East"), Map.of()))
        .isInstanceOf(ConfigLoader.ConfigException.class).hasMessageContaining("region.name");
  }
}

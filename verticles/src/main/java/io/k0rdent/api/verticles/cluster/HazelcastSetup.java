package io.k0rdent.api.verticles.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import io.k0rdent.api.verticles.config.Settings;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import java.util.Arrays;

/**
 * The embedded Hazelcast member's configuration: Vert.x's cluster defaults ({@code default-cluster.xml}),
 * our cluster name and port, multicast and cloud discovery off, and TCP/IP join only when
 * {@code hazelcast.members} names other members (otherwise the member joins nobody).
 */
public final class HazelcastSetup {

  private HazelcastSetup() {}

  public static Config config(Settings.Hazelcast hz) {
    Config config = ConfigUtil.loadConfig();
    config.setClusterName(hz.clusterName());
    config.setProperty("hazelcast.phone.home.enabled", "false");
    config.setProperty("hazelcast.logging.type", "slf4j");
    config.setProperty("hazelcast.shutdownhook.enabled", "false");
    config.getNetworkConfig().setPort(hz.port()).setPortAutoIncrement(true);
    if (hz.bindAddress() != null && !hz.bindAddress().isBlank()) {
      config.setProperty("hazelcast.local.localAddress", hz.bindAddress());
      // Without this Hazelcast still listens on every interface (0.0.0.0).
      config.setProperty("hazelcast.socket.bind.any", "false");
      config.getNetworkConfig().getInterfaces().setEnabled(true).addInterface(hz.bindAddress());
    }
    JoinConfig join = config.getNetworkConfig().getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getKubernetesConfig().setEnabled(false);
    String[] members = Arrays.stream(hz.members().split(",")).map(String::trim).filter(s -> !s.isEmpty())
        .toArray(String[]::new);
    join.getTcpIpConfig().setEnabled(members.length > 0);
    for (String m : members) {
      join.getTcpIpConfig().addMember(m);
    }
    return config;
  }
}

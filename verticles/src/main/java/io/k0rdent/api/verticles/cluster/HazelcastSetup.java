package io.k0rdent.api.verticles.cluster;

import com.hazelcast.config.CompactSerializationConfig;
import com.hazelcast.config.Config;
import com.hazelcast.config.EvictionConfig;
import com.hazelcast.config.EvictionPolicy;
import com.hazelcast.config.InMemoryFormat;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.MaxSizePolicy;
import com.hazelcast.config.NearCacheConfig;
import com.hazelcast.config.ReliableTopicConfig;
import com.hazelcast.config.RingbufferConfig;
import com.hazelcast.nio.serialization.compact.CompactSerializer;
import com.hazelcast.topic.TopicOverloadPolicy;
import io.k0rdent.api.core.auth.AuthState;
import io.k0rdent.api.verticles.config.Settings;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import java.util.Arrays;

/**
 * The embedded Hazelcast member's configuration: Vert.x's cluster defaults ({@code default-cluster.xml}),
 * our cluster name and port, multicast and cloud discovery off, and TCP/IP join only when
 * {@code hazelcast.members} names other members (otherwise the member joins nobody), and what
 * {@link HazelcastAuthState} needs ({@link #configureAuth}).
 */
public final class HazelcastSetup {

  /** Entries each auth near cache holds per member (least recently used ones go first). */
  public static final int AUTH_NEAR_CACHE_SIZE = 100_000;
  /** Auth events kept in the topic's ring buffer for members that read late. */
  public static final int AUTH_EVENTS_CAPACITY = 10_000;

  private HazelcastSetup() {}

  public static Config config(Settings.Hazelcast hz) {
    Config config = ConfigUtil.loadConfig();
    config.setClusterName(hz.clusterName());
    config.setProperty("hazelcast.phone.home.enabled", "false");
    config.setProperty("hazelcast.logging.type", "slf4j");
    config.setProperty("hazelcast.shutdownhook.enabled", "false");
    config.getNetworkConfig().setPort(hz.port()).setPortAutoIncrement(true);
    String bind = hz.effectiveBindAddress();
    if (bind != null) {
      config.setProperty("hazelcast.local.localAddress", bind);
      // Without this Hazelcast still listens on every interface (0.0.0.0).
      config.setProperty("hazelcast.socket.bind.any", "false");
      config.getNetworkConfig().getInterfaces().setEnabled(true).addInterface(bind);
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
    return configureAuth(config);
  }

  /**
   * Adds {@link HazelcastAuthState}'s structures to {@code config}: the record maps (one per
   * {@link AuthState.Kind}: auth records and grants' inputs) with a near cache each
   * (objects, local entries cached too, bounded, invalidated on every change), the revoked-jti map, the
   * event topic (never blocks a publisher: the oldest events are overwritten when readers lag, which
   * {@code HazelcastAuthState} tolerates) and the Compact serializers. Near-cache invalidations are sent at
   * once rather than batched (Hazelcast batches them for up to 10 s by default), so a change is seen on
   * every member within milliseconds.
   */
  public static Config configureAuth(Config config) {
    config.setProperty("hazelcast.map.invalidation.batch.enabled", "false");
    CompactSerializationConfig compact = config.getSerializationConfig().getCompactSerializationConfig();
    for (CompactSerializer<?> serializer : AuthSerializers.all()) {
      compact.addSerializer(serializer);
    }
    int ttl = (int) HazelcastAuthState.DEFAULT_ENTRY_TTL.toSeconds();
    for (AuthState.Kind kind : AuthState.Kind.values()) {
      String name = HazelcastAuthState.mapName(kind);
      NearCacheConfig near = new NearCacheConfig(name)
          .setInMemoryFormat(InMemoryFormat.OBJECT)
          .setInvalidateOnChange(true)
          .setCacheLocalEntries(true)
          .setSerializeKeys(false)
          .setTimeToLiveSeconds(ttl)
          .setEvictionConfig(new EvictionConfig().setEvictionPolicy(EvictionPolicy.LRU)
              .setMaxSizePolicy(MaxSizePolicy.ENTRY_COUNT).setSize(AUTH_NEAR_CACHE_SIZE));
      config.addMapConfig(new MapConfig(name).setBackupCount(1).setNearCacheConfig(near));
    }
    config.addMapConfig(new MapConfig(HazelcastAuthState.REVOKED).setBackupCount(1));
    // Not DISCARD_OLDEST: in Hazelcast 5.3.8 publishAsync under DISCARD_OLDEST/DISCARD_NEWEST returns a future
    // that never completes. ERROR never fails here: the ring buffer below has no TTL, so Hazelcast counts its
    // full capacity as free and overwrites the oldest events (readers that fall behind tolerate the loss).
    config.addReliableTopicConfig(new ReliableTopicConfig(HazelcastAuthState.EVENTS)
        .setTopicOverloadPolicy(TopicOverloadPolicy.ERROR));
    config.addRingBufferConfig(new RingbufferConfig("_hz_rb_" + HazelcastAuthState.EVENTS)
        .setCapacity(AUTH_EVENTS_CAPACITY).setTimeToLiveSeconds(0));
    return config;
  }
}

package io.k0rdent.api.verticles.store.pg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.k0rdent.api.core.error.ApiException;
import io.k0rdent.api.core.ipam.AddressRange;
import io.k0rdent.api.core.resource.Address;
import io.k0rdent.api.core.resource.AddressPool;
import io.k0rdent.api.core.resource.Clock;
import io.k0rdent.api.core.resource.Network;
import io.k0rdent.api.core.store.IpamStore.Allocation;
import io.k0rdent.api.core.store.IpamStore.Released;
import io.k0rdent.api.core.store.IpamStoreContract;
import io.k0rdent.api.core.store.Store;
import io.k0rdent.api.verticles.testsupport.PgStoreFixture;
import io.vertx.core.Future;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link PgIpamStore} (through {@link PgStore}) against the IPAM store contract, plus what is PostgreSQL's own. */
class PgIpamStoreTest extends IpamStoreContract {

  @RegisterExtension
  static final PgStoreFixture pg = new PgStoreFixture();

  @Override
  protected Store createStore() {
    return pg.freshStore();
  }


  @Test
  void anUnreachableDatabaseFailsWith503WithoutDetails() throws Exception {
    PgStore down = pg.unreachable();
    Network n = network(HERE, "net", "10.1.0.0/24", Clock.now());
    AddressPool p = pool(REGION, "public", "203.0.113.0/29", Clock.now());
    try {
      for (Future<?> f : List.of(down.ipam().createNetwork(n, subnetOf(n)), down.ipam().getNetwork(HERE, "net"),
          down.ipam().updateNetwork(n.withChanges("x", null, Clock.now())), down.ipam().deleteNetwork(HERE, "net", null),
          down.ipam().listNetworks(HERE, null, 5), down.ipam().subnetsOf(HERE, "net"),
          down.ipam().getSubnet(HERE, "net"), down.ipam().listSubnets(HERE, null, 5),
          down.ipam().allocate(new Allocation(internal(n, "a", null), AddressRange.of(n.cidr()))),
          down.ipam().allocate(new Allocation(internal(n, "a", "10.1.0.7"), AddressRange.of(n.cidr()))),
          down.ipam().getAddress(HERE, "a"), down.ipam().listAddresses(HERE, null, 5),
          down.ipam().releaseAddress(HERE, "a", null),
          down.ipam().updateAddressStatus(internal(n, "a", "10.1.0.7").withStatus(Address.IN_USE, Clock.now())),
          down.ipam().createPool(p), down.ipam().getPool(REGION, "public"), down.ipam().listPools(REGION, null, 5),
          down.ipam().deletePool(REGION, "public", null))) {
        ApiException e = awaitApiFailure(f, 503, "UNAVAILABLE");
        assertThat(e.getMessage()).isEqualTo("the database is unavailable; retry later");
      }
    } finally {
      await(down.close());
    }
  }

  @Test
  void theRulesAreTheSchemasEvenPastTheStore() throws Exception {
    createNetwork(HERE, "net", "10.1.0.0/16");
    Network v4 = createNetwork(HERE, "v4", "10.2.0.0/24");
    await(ipam.allocate(new Allocation(internal(v4, "a", "10.2.0.7"), AddressRange.of(v4.cidr()))));
    String network = "INSERT INTO networks (region, project_id, id, uid, cidr_text, created_at, updated_at, version)"
        + " VALUES ('" + REGION + "', 'train', 'x', gen_random_uuid(), '%s', now(), now(), 1)";
    assertThatThrownBy(() -> pg.sql(String.format(network, "10.1.2.0/24")))
        .satisfies(t -> assertThat(PgStoreFixture.sqlState(t)).isEqualTo("23P01"));
    assertThatThrownBy(() -> pg.sql(String.format(network, "10.0.0.0/8")))
        .satisfies(t -> assertThat(PgStoreFixture.sqlState(t)).isEqualTo("23P01"));
    pg.sql(String.format(network, "fd00::/48"));
    // one value twice in a subnet, an address without its subnet, a subnet without its network
    String address = "INSERT INTO addresses (region, project_id, id, uid, ip_text, sort_key, ip_version, address_type,"
        + " network_id, subnet_id, range_uid, status, created_at, updated_at, version)"
        + " SELECT region, project_id, '%s', gen_random_uuid(), '%s', 'k', 'IPV4', 'INTERNAL', network_id, '%s', uid,"
        + " 'RESERVED', now(), now(), 1 FROM subnets WHERE id = 'v4'";
    assertThatThrownBy(() -> pg.sql(String.format(address, "b", "10.2.0.7", "v4")))
        .satisfies(t -> assertThat(PgStoreFixture.sqlState(t)).isEqualTo("23505"));
    assertThatThrownBy(() -> pg.sql(String.format(address, "b", "10.2.0.8", "ghost")))
        .satisfies(t -> assertThat(PgStoreFixture.sqlState(t)).isEqualTo("23503"));
    assertThatThrownBy(() -> pg.sql("DELETE FROM subnets WHERE id = 'v4'"))
        .satisfies(t -> assertThat(PgStoreFixture.sqlState(t)).isEqualTo("23503"));
    assertThatThrownBy(() -> pg.sql("DELETE FROM projects WHERE id = 'train'"))
        .satisfies(t -> assertThat(PgStoreFixture.sqlState(t)).isEqualTo("23503"));
    // the stored block is the text the store was given, as PostgreSQL's cidr too
    assertThat(pg.count("SELECT count(*) FROM networks WHERE cidr_text::cidr <> cidr")).isZero();
  }

  @Test
  void releasesAreRememberedForADayThenPruned() throws Exception {
    Network n = createNetwork(HERE, "net", "10.1.0.0/24");
    for (String id : List.of("a", "b")) {
      await(ipam.allocate(new Allocation(internal(n, id, null), AddressRange.of(n.cidr()))));
    }
    assertThat(await(ipam.releaseAddress(HERE, "a", null))).isEqualTo(Released.RELEASED);
    assertThat(pg.count("SELECT count(*) FROM address_releases WHERE id = 'a'")).isOne();
    pg.sql("UPDATE address_releases SET released_at = now() - interval '25 hours' WHERE id = 'a'");
    awaitApiFailure(ipam.releaseAddress(HERE, "a", null), 404, "NOT_FOUND");
    assertThat(await(ipam.releaseAddress(HERE, "b", null))).isEqualTo(Released.RELEASED);
    assertThat(pg.count("SELECT count(*) FROM address_releases WHERE id = 'a'")).isZero();
    assertThat(pg.count("SELECT count(*) FROM address_releases WHERE id = 'b'")).isOne();
    // allocating the id again forgets its release
    await(ipam.allocate(new Allocation(internal(n, "b", null), AddressRange.of(n.cidr()))));
    assertThat(pg.count("SELECT count(*) FROM address_releases")).isZero();
  }

  @Test
  void ipamKeysUseTheCCollation() throws Exception {
    List<String> notC = new ArrayList<>();
    try (Connection c = pg.jdbc();
         PreparedStatement ps = c.prepareStatement("SELECT table_name || '.' || column_name FROM"
             + " information_schema.columns WHERE table_schema = ? AND data_type = 'text' AND table_name IN"
             + " ('networks', 'subnets', 'address_pools', 'addresses', 'address_releases')"
             + " AND column_name NOT IN ('display_name', 'description', 'cidr_text', 'ip_text')"
             + " AND collation_name IS DISTINCT FROM 'C'")) {
      ps.setString(1, pg.db().schema());
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          notC.add(rs.getString(1));
        }
      }
    }
    assertThat(notC).isEmpty();
  }
}

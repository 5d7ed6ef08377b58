package io.k0rdent.api.verticles;

import io.k0rdent.api.core.error.ApiException;
import io.k0rdent.api.core.resource.AddressPool;
import io.k0rdent.api.core.resource.Clock;
import io.k0rdent.api.core.store.Store;
import io.k0rdent.api.verticles.config.Settings;
import io.vertx.core.Future;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates the external address pools listed in {@code region.addressPools} at start: each once. A pool seeded
 * before is remembered in the settings store ({@code ipam.seeded-pool/<region>/<id>}), so one that operators
 * deleted through the API stays deleted (it is not handed out again at the next restart). A pool already
 * stored under the id is kept as it is (a different block is logged); one that overlaps another pool is
 * skipped with a warning, so a stale configuration never stops a node from starting.
 */
final class AddressPoolSeeds {

  private static final Logger LOG = LoggerFactory.getLogger(AddressPoolSeeds.class);

  private AddressPoolSeeds() {}

  /** Seeds every configured pool of {@code region}; fails only when the store fails (503 and the like). */
  static Future<Void> seed(Store store, Settings.Region region) {
    List<Future<Void>> all = new ArrayList<>();
    for (Settings.AddressPool p : region.addressPools()) {
      String marker = "ipam.seeded-pool/" + region.name() + "/" + p.id();
      all.add(store.settings().get(marker).compose(seeded -> {
        if (seeded.isPresent()) {
          return store.ipam().getPool(region.name(), p.id()).<Void>mapEmpty().recover(err -> {
            if (err instanceof ApiException a && a.status() == 404) {
              LOG.info("configured address pool '{}' ({}) was deleted through the API; not created again",
                  p.id(), p.cidr());
              return Future.succeededFuture();
            }
            return Future.failedFuture(err);
          });
        }
        return create(store, region, p).compose(stored -> stored ? store.settings().put(marker, p.cidr())
            : Future.<Void>succeededFuture());
      }));
    }
    return Future.all(all).mapEmpty();
  }

  /** True when the pool is now stored (created, or there already); false when it was skipped. */
  private static Future<Boolean> create(Store store, Settings.Region region, Settings.AddressPool p) {
    Instant now = Clock.now();
    AddressPool pool = new AddressPool(region.name(), p.id(), UUID.randomUUID(), p.displayName(), null, p.cidr(),
        now, now, 1);
    return store.ipam().createPool(pool).map(true).recover(err -> {
      if (err instanceof ApiException a && "ALREADY_EXISTS".equals(a.reason())) {
        return store.ipam().getPool(region.name(), p.id()).map(stored -> {
          if (!stored.cidr().equals(p.cidr())) {
            LOG.warn("address pool '{}' of region {} is stored as {}, configured as {}; the stored one is kept",
                p.id(), region.name(), stored.cidr(), p.cidr());
          }
          return true;
        });
      }
      if (err instanceof ApiException a && a.status() == 409) {
        LOG.warn("configured address pool '{}' ({}) not created: {}", p.id(), p.cidr(), a.getMessage());
        return Future.succeededFuture(false);
      }
      return Future.failedFuture(err);
    });
  }
}

package io.k0rdent.api.verticles.http;

/** {@link IpamServerEventsHttpContract} on PostgreSQL. */
class PgIpamServerEventsHttpTest extends IpamServerEventsHttpContract {

  @Override
  boolean onPostgres() {
    return true;
  }
}

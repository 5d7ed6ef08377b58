package io.k0rdent.api.verticles.http;

/** {@link IpamHttpContract} against PostgreSQL (a fresh schema, migrated at node start). */
class PgIpamHttpTest extends IpamHttpContract {

  @Override
  boolean onPostgres() {
    return true;
  }
}

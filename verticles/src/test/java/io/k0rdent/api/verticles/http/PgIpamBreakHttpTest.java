package io.k0rdent.api.verticles.http;

/** {@link IpamBreakHttpContract} against PostgreSQL. */
class PgIpamBreakHttpTest extends IpamBreakHttpContract {

  @Override
  boolean onPostgres() {
    return true;
  }
}

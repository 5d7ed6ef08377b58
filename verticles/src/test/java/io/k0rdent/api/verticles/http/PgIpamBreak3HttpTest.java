package io.k0rdent.api.verticles.http;

/** {@link IpamBreak3HttpContract} against PostgreSQL. */
class PgIpamBreak3HttpTest extends IpamBreak3HttpContract {

  @Override
  boolean onPostgres() {
    return true;
  }
}

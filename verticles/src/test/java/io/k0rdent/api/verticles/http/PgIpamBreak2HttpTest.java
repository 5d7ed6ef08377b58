package io.k0rdent.api.verticles.http;

/** {@link IpamBreak2HttpContract} against PostgreSQL. */
class PgIpamBreak2HttpTest extends IpamBreak2HttpContract {

  @Override
  boolean onPostgres() {
    return true;
  }
}

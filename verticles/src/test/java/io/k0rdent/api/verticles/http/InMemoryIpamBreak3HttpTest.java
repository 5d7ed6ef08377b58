package io.k0rdent.api.verticles.http;

/** {@link IpamBreak3HttpContract} against the in-memory store. */
class InMemoryIpamBreak3HttpTest extends IpamBreak3HttpContract {}

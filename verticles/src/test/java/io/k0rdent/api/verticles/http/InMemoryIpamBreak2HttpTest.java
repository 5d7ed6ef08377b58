package io.k0rdent.api.verticles.http;

/** {@link IpamBreak2HttpContract} against the in-memory store. */
class InMemoryIpamBreak2HttpTest extends IpamBreak2HttpContract {}

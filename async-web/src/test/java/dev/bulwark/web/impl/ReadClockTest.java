package dev.bulwark.web.impl;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The read's clock reading, handed to the code within the read, and the clock outside one. */
class ReadClockTest {

  @Test
  void withinARead_nowIsTheReadsStart_andAfterItTheClockAgain() {
    long before = System.nanoTime();
    long announced = before - 5_000_000_000L; // a reading no clock read now could give
    ReadClock read = ReadClock.begin(announced);
    long within = ReadClock.now();
    long withinAgain = ReadClock.now();
    read.end();
    long after = ReadClock.now();

    assertThat(within).isEqualTo(announced);
    assertThat(withinAgain).isEqualTo(announced);
    assertThat(after).isGreaterThanOrEqualTo(before);
  }

  @Test
  void anotherThread_neverSeesThisThreadsRead() throws Exception {
    long before = System.nanoTime();
    ReadClock read = ReadClock.begin(before - 5_000_000_000L);
    long[] seen = new long[1];
    Thread other = new Thread(() -> seen[0] = ReadClock.now());
    other.start();
    other.join();
    read.end();

    assertThat(seen[0]).isGreaterThanOrEqualTo(before);
  }
}

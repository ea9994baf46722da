/* SPDX-License-Identifier: MIT
 * The load generator's histogram against known distributions. */
#include <math.h>
#include <stdlib.h>

#include "support.h"
#include "bench_hist.h"

static void test_hist_uniform_percentiles(void **state)
{
    (void)state;
    struct bench_hist h;
    bench_hist_init(&h);
    for (uint64_t v = 1; v <= 100000; v++)      /* uniform 1..100000 µs */
        bench_hist_add(&h, v);
    static const double qs[] = { 0.5, 0.9, 0.99, 0.999 };
    for (size_t i = 0; i < 4; i++) {
        double want = qs[i] * 100000, got = (double)bench_hist_quantile(&h, qs[i]);
        if (fabs(got - want) > 0.02 * want)
            fail_msg("q%.3f = %.0f, want %.0f within 2%%", qs[i], got, want);
    }
    assert_int_equal(bench_hist_quantile(&h, 1.0), 100000);
    assert_int_equal(h.max, 100000);
    assert_int_equal(h.min, 1);
    assert_int_equal(h.count, 100000);
}

static void test_hist_exponential_and_small_values(void **state)
{
    (void)state;
    struct bench_hist h;
    bench_hist_init(&h);
    uint64_t st = 5;
    /* Exponential with mean 1000: the q-quantile is -1000·ln(1-q). */
    for (int i = 0; i < 200000; i++) {
        double u = rs_synth_uniform(&st);
        bench_hist_add(&h, (uint64_t)(-1000.0 * log(1.0 - u)));
    }
    static const double qs[] = { 0.5, 0.9, 0.99 };
    for (size_t i = 0; i < 3; i++) {
        double want = -1000.0 * log(1.0 - qs[i]), got = (double)bench_hist_quantile(&h, qs[i]);
        if (fabs(got - want) > 0.03 * want + 2)
            fail_msg("exp q%.2f = %.0f, want %.0f", qs[i], got, want);
    }
    struct bench_hist small;
    bench_hist_init(&small);
    for (uint64_t v = 0; v < 10; v++)
        bench_hist_add(&small, v);               /* exact below 64 */
    assert_int_equal(bench_hist_quantile(&small, 0.5), 4);
    assert_int_equal(bench_hist_quantile(&small, 0), 0);
    struct bench_hist empty;
    bench_hist_init(&empty);
    assert_int_equal(bench_hist_quantile(&empty, 0.99), 0);
    bench_hist_merge(&empty, &small);
    assert_int_equal(empty.count, 10);
    assert_int_equal(bench_hist_quantile(&empty, 1), 9);
    bench_hist_add(&h, UINT64_C(1) << 50);       /* huge values land in the last bucket */
    assert_int_equal(bench_hist_quantile(&h, 1), UINT64_C(1) << 50);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hist_uniform_percentiles),
        cmocka_unit_test(test_hist_exponential_and_small_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

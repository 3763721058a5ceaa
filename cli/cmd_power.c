/* lynxeval power: how many paired items a benchmark needs to detect a difference, or the
 * smallest difference a benchmark of N items can detect. */
#include <math.h>
#include <stdio.h>

#include "cli/commands.h"
#include "reports/stats.h"

#define N_OPTS(a) ((int)(sizeof(a) / sizeof((a)[0])))

static const char *const NAME = "power";

static int run(int argc, char **argv) {
  double delta = NAN, sd = 0.5, rho = 0.5, alpha = 0.05, power = 0.8;
  long items = 0;
  cli_opt opts[] = {
      {"--delta", CLI_DOUBLE, &delta, "D",
       "the difference in mean per-item score to detect (0.03 = 3 points of accuracy)", 0,
       1000000000L, 0},
      {"--items", CLI_INT, &items, "N",
       "instead of --delta: the benchmark's size, to get the smallest detectable difference", 2,
       1L << 40, 0},
      {"--sd", CLI_DOUBLE, &sd, "S",
       "standard deviation of a per-item score (default 0.5, the most a 0/1 score has)", 0,
       1000000000L, 0},
      {"--rho", CLI_DOUBLE, &rho, "R",
       "correlation of the two models' per-item scores (default 0.5)", -1, 1, 0},
      {"--alpha", CLI_DOUBLE, &alpha, "A", "two-sided significance level (default 0.05)", 0, 1, 0},
      {"--power", CLI_DOUBLE, &power, "P", "probability of detecting the difference (default 0.8)",
       0, 1, 0},
  };
  int rc = cli_parse(&cmd_power, argc, argv, opts, N_OPTS(opts));
  if (rc == CLI_HELP_SHOWN) return 0;
  if (rc) return rc;
  if (isnan(delta) == (items == 0)) {
    cli_error(NAME, "give exactly one of --delta and --items");
    return CLI_USAGE;
  }
  if (!(sd > 0) || !(rho >= -1 && rho < 1) || !(alpha > 0 && alpha < 1) ||
      !(power > 0 && power < 1) || (!isnan(delta) && !(delta > 0))) {
    cli_error(NAME,
              "need --sd > 0, -1 <= --rho < 1, 0 < --alpha < 1, 0 < --power < 1 and --delta > 0");
    return CLI_USAGE;
  }
  printf("paired items, sd %g, rho %g, two-sided alpha %g, power %g (normal approximation)\n", sd,
         rho, alpha, power);
  if (!isnan(delta)) {
    double n = lx_power_items(delta, sd, rho, alpha, power);
    printf("items needed to detect a difference of %g: %.0f (%.2f before rounding up)\n", delta,
           ceil(n), n);
  } else {
    printf("smallest detectable difference with %ld items: %.5g\n", items,
           lx_power_delta((double)items, sd, rho, alpha, power));
  }
  return 0;
}

const cli_command cmd_power = {
    "power",
    "items needed to detect a difference, or the difference N items can detect",
    "power (--delta D | --items N) [--sd S] [--rho R] [--alpha A] [--power P]",
    "For two models scored on the same items, the paired differences have deviation\n"
    "omega = sqrt(2 sd^2 (1 - rho)); a two-sided level-alpha test detects a mean difference delta\n"
    "with the given power when delta sqrt(n) / omega reaches the value solving\n"
    "Phi(u - z) + Phi(-u - z) = power, z = z_{1-alpha/2} (about z + z_power). Defaults: sd 0.5,\n"
    "rho 0.5, alpha 0.05, power 0.8.",
    run,
};

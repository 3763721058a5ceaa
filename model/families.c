/* families.c: the model families this build knows. Adding a family is a folder under model/
 * and one line here. */
#include <string.h>

#include "model/blip/blip.h"
#include "model/family.h"
#include "model/llava/llava.h"
#include "model/lynx/lynx.h"
#include "model/toy/toy.h"

const lx_family *const lx_families[] = {
    &lx_family_lynx, &lx_family_llava, &lx_family_blip, &lx_family_toy, NULL,
};

const lx_family *lx_family_find(const char *name) {
  for (int i = 0; lx_families[i]; i++)
    if (strcmp(lx_families[i]->name, name) == 0) return lx_families[i];
  return NULL;
}

// The declaration in include/CFuzzDriver.h is all this target provides; the definition is libFuzzer's.
#include "CFuzzDriver.h"

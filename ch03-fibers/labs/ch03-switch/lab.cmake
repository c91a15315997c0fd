# Lab ch03-switch: the manifest (docs/TEACHING.md, "A lab's manifest").
set(LAB_TITLE "The context switch and the first frame's trampoline (x86-64 System V)")
set(LAB_LEVEL core)
set(LAB_KIND code)
set(LAB_HOURS 4)
# x86-64 Linux and macOS. On an ARM64 machine the same lab is aarch64_aapcs64.S (README.md,
# "On an ARM machine"); its stub is not packaged yet.
set(LAB_PLATFORMS "^(Linux|Darwin)-x86_64$")
set(LAB_LIBRARY rt_fiber)
set(LAB_REPLACES src/asm/x86_64_sysv.S)
set(LAB_STUB x86_64_sysv.S)
set(LAB_TEST_SOURCES tests/context_test.cpp tests/control_words_test.cpp)
set(LAB_TEST_LIBS rt_fiber)
# <gtest filter>=<points>
set(LAB_GRADED
  "Context.SwitchesIntoANewContextAndBackAgain=3"
  "Context.TheNewStackIsAlignedAsTheAbiRequires=2"
  "Context.RunsOnAPlainBufferAndCatchesAnExceptionThere=2"
  "Context.CalleeSavedStateSurvivesManySwitches=3"
  "ContextDeathTest.AStartFunctionThatReturnsStopsTheProcessLoudly=1"
  "Context.RoundingModeBelongsToEachContextOnX86AndWindowsArm64=2"
  "Context.MxcsrAndX87ControlWordsAreRestoredEachOnItsOwnUnderEitherPolicy=2"
  "Fiber.LongDoubleArithmeticHasTheThreadsPrecision=1"
  "Context.ANewContextStartsWithTheControlWordsOfTheThreadThatMadeIt=1")

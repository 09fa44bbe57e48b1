// Counts checks, prints each failure as it happens and a closing "N passed, N failed" line.
// A run that checked nothing fails: a check that cannot find its subject must not look green.
export class Checks {
  constructor(name) {
    this.name = name;
    this.passed = 0;
    this.failures = [];
  }

  ok(condition, what) {
    if (condition) {
      this.passed++;
    } else {
      this.failures.push(what);
      console.error(`FAIL ${what}`);
    }
    return Boolean(condition);
  }

  fail(what) {
    return this.ok(false, what);
  }

  equal(actual, expected, what) {
    return this.ok(
      actual === expected,
      `${what}: expected ${JSON.stringify(expected)}, found ${JSON.stringify(actual)}`,
    );
  }

  note(text) {
    console.log(text);
  }

  finish() {
    if (this.passed + this.failures.length === 0) {
      this.fail(`${this.name}: nothing was checked`);
    }
    console.log(`${this.name}: ${this.passed} passed, ${this.failures.length} failed`);
    process.exit(this.failures.length === 0 ? 0 : 1);
  }
}

// Runs main(checks); an exception is one more failure, reported with its message.
export async function run(name, main) {
  const checks = new Checks(name);
  try {
    await main(checks);
  } catch (error) {
    checks.fail(`${name} stopped: ${error && error.stack ? error.stack : error}`);
  }
  checks.finish();
}

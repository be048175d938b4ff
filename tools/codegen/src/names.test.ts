import { describe, expect, it } from "vitest";
import { camelCase, constantCase, pascalCase } from "./names.js";

describe("camelCase", () => {
  it("joins dashed spec names", () => {
    expect(camelCase("routing-key")).toBe("routingKey");
    expect(camelCase("if-unused")).toBe("ifUnused");
    expect(camelCase("version-major")).toBe("versionMajor");
  });

  it("keeps digits after a dash", () => {
    expect(camelCase("reserved-1")).toBe("reserved1");
  });

  it("leaves a single word alone", () => {
    expect(camelCase("queue")).toBe("queue");
    expect(camelCase("arguments")).toBe("arguments");
  });

  it("treats underscores and spaces as separators", () => {
    expect(camelCase("no_wait")).toBe("noWait");
    expect(camelCase("no wait")).toBe("noWait");
  });
});

describe("pascalCase", () => {
  it("joins a class and a method name", () => {
    expect(pascalCase("basic", "get-ok")).toBe("BasicGetOk");
    expect(pascalCase("connection", "update-secret-ok")).toBe("ConnectionUpdateSecretOk");
  });

  it("capitalises a single name", () => {
    expect(pascalCase("basic")).toBe("Basic");
    expect(pascalCase("basic", "properties")).toBe("BasicProperties");
  });
});

describe("constantCase", () => {
  it("upper-cases and joins with underscores", () => {
    expect(constantCase("not-found")).toBe("NOT_FOUND");
    expect(constantCase("reply-success")).toBe("REPLY_SUCCESS");
    expect(constantCase("basic-get-ok")).toBe("BASIC_GET_OK");
  });
});

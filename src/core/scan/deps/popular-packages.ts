// Names of widely used packages, the targets typosquatters imitate (registry download rankings, rounded to what
// stays popular for years). A dependency one slip away from one of these, and not itself one of them, is suspect.

// biome-ignore format: a list of names, kept compact
export const POPULAR_NPM: ReadonlySet<string> = new Set([
  "react", "react-dom", "preact", "vue", "angular", "svelte", "next", "nuxt", "express", "koa", "fastify", "hono",
  "lodash", "underscore", "ramda", "axios", "node-fetch", "got", "request", "superagent", "undici", "ky",
  "chalk", "colors", "kleur", "picocolors", "debug", "commander", "yargs", "minimist", "inquirer", "ora",
  "moment", "dayjs", "date-fns", "luxon", "uuid", "nanoid", "classnames", "clsx", "dotenv", "cross-env",
  "typescript", "tslib", "esbuild", "webpack", "rollup", "vite", "parcel", "babel-core", "@babel/core",
  "eslint", "prettier", "jest", "mocha", "chai", "vitest", "sinon", "supertest", "nodemon", "ts-node", "tsx",
  "rimraf", "mkdirp", "glob", "minimatch", "fs-extra", "graceful-fs", "chokidar", "semver", "yaml", "js-yaml",
  "ws", "socket.io", "socket.io-client", "mongoose", "mongodb", "mysql", "mysql2", "pg", "redis", "ioredis",
  "sequelize", "typeorm", "prisma", "@prisma/client", "knex", "sqlite3", "better-sqlite3", "drizzle-orm",
  "jsonwebtoken", "jose", "bcrypt", "bcryptjs", "passport", "helmet", "cors", "body-parser", "cookie-parser",
  "multer", "morgan", "winston", "pino", "bunyan", "zod", "joi", "yup", "ajv", "validator", "class-validator",
  "rxjs", "immer", "redux", "mobx", "zustand", "jquery", "bootstrap", "tailwindcss", "postcss", "sass", "less",
  "electron", "puppeteer", "playwright", "cheerio", "jsdom", "sharp", "jimp", "canvas", "openai",
  "@anthropic-ai/sdk", "@modelcontextprotocol/sdk", "langchain", "execa", "shelljs", "cross-spawn", "async",
  "bluebird", "qs", "querystring", "form-data", "mime", "mime-types", "path-to-regexp", "serve-static",
  "http-proxy", "http-proxy-middleware", "body", "event-stream", "coffee-script", "crypto-js", "node-forge",
]);

// biome-ignore format: a list of names, kept compact
export const POPULAR_PYPI: ReadonlySet<string> = new Set([
  "requests", "urllib3", "httpx", "aiohttp", "certifi", "idna", "charset-normalizer", "chardet", "six",
  "numpy", "pandas", "scipy", "matplotlib", "seaborn", "scikit-learn", "tensorflow", "torch", "keras",
  "transformers", "tokenizers", "huggingface-hub", "openai", "anthropic", "langchain", "mcp", "fastmcp",
  "django", "flask", "fastapi", "starlette", "uvicorn", "gunicorn", "werkzeug", "jinja2", "markupsafe",
  "pydantic", "pydantic-core", "attrs", "click", "typer", "rich", "colorama", "tqdm", "python-dateutil",
  "pytz", "tzdata", "arrow", "pendulum", "pyyaml", "toml", "tomli", "orjson", "ujson", "simplejson",
  "sqlalchemy", "psycopg2", "psycopg2-binary", "psycopg", "pymysql", "mysqlclient", "pymongo", "redis",
  "celery", "kombu", "boto3", "botocore", "s3transfer", "awscli", "google-cloud-storage", "azure-storage-blob",
  "cryptography", "pyopenssl", "pycryptodome", "bcrypt", "paramiko", "pyjwt", "python-jose", "passlib",
  "pytest", "pytest-cov", "coverage", "mock", "tox", "nose", "hypothesis", "black", "flake8", "pylint",
  "mypy", "isort", "ruff", "setuptools", "wheel", "pip", "virtualenv", "poetry", "pipenv", "twine",
  "beautifulsoup4", "lxml", "html5lib", "selenium", "scrapy", "pillow", "opencv-python", "imageio",
  "protobuf", "grpcio", "websockets", "websocket-client", "pyzmq", "docker", "kubernetes", "ansible",
  "python-dotenv", "environs", "jsonschema", "marshmallow", "packaging", "filelock", "platformdirs",
  "psutil", "pexpect", "sh", "plumbum", "fabric", "invoke", "pyserial", "pyusb", "sympy", "networkx",
  "nltk", "spacy", "gensim", "xgboost", "lightgbm", "statsmodels", "plotly", "dash", "streamlit", "gradio",
]);

/** Names close to a popular one that are popular (or legitimate) in their own right. */
// biome-ignore format: a list of names, kept compact
export const KNOWN_NEIGHBOURS: ReadonlySet<string> = new Set([
  "preact", "react", "got", "ky", "pg", "sh", "ws", "vue", "next", "nuxt", "mime", "body", "redux", "execa",
  "httpx", "attrs", "arrow", "torch", "dash", "mock", "toml", "tomli", "black", "click", "colors", "chalk",
]);

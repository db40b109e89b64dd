// MovieLens "ml-latest-small" (2016 edition: 100,004 ratings by 671 users on 9,066
// movies) as shipped by the R package dslabs, whose Debian package r-cran-dslabs is
// reachable where grouplens.org is not. Read from its lazy-load database with
// ./r-serialize.ts, so neither R nor the network (once cached) is needed.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { dataFrameColumns, lazyLoadObject, type Column } from './r-serialize.ts'

export interface Rating { userId: string; movieId: string; rating: number; ts: number /* epoch ms */ }
export interface Movie { title: string; year: number | null; genres: string[] }
export interface MovieLens { ratings: Rating[]; movies: Map<string, Movie> }

const PACKAGE = 'r-cran-dslabs'
/** Where the package puts its data, under / when installed or under the extraction folder. */
const DATA_DIR = 'usr/lib/R/site-library/dslabs/data'
const hasData = (dir: string): boolean => existsSync(join(dir, 'Rdata.rdx')) && existsSync(join(dir, 'Rdata.rdb'))

const cacheDir = (): string => join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'recomengine', 'dslabs')

function run(cmd: string, args: string[], cwd: string): void {
  const r = spawnSync(cmd, args, { cwd, stdio: ['ignore', 'ignore', 'inherit'] })
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.error?.message ?? `exit ${r.status}`})`)
}

/**
 * Downloads the .deb with apt-get (which needs no root for `download`) and unpacks it
 * into the cache. Unpacked beside it first and renamed at the end, so an interrupted
 * fetch never leaves a folder that looks complete.
 */
function fetchIntoCache(cache: string): void {
  const parent = join(cache, '..')
  mkdirSync(parent, { recursive: true })
  const work = mkdtempSync(join(parent, 'dslabs-fetch-'))
  try {
    console.error(`movielens: ${PACKAGE} is not installed; fetching it into ${cache} (apt-get download + dpkg-deb -x)`)
    run('apt-get', ['download', PACKAGE], work)
    const deb = readdirSync(work).find((f) => f.startsWith(`${PACKAGE}_`) && f.endsWith('.deb'))
    if (!deb) throw new Error(`apt-get download left no ${PACKAGE}_*.deb`)
    run('dpkg-deb', ['-x', deb, 'root'], work)
    if (!hasData(join(work, 'root', DATA_DIR))) throw new Error(`${deb} has no ${DATA_DIR}/Rdata.rdx`)
    renameSync(join(work, 'root'), cache)
    console.error(`movielens: unpacked ${deb}`)
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}

/** The folder holding Rdata.rdx/.rdb: the installed package, else the cache, else fetched into the cache. */
export function dslabsDataDir(): string {
  const installed = join('/', DATA_DIR)
  if (hasData(installed)) return installed
  const cache = cacheDir()
  const cached = join(cache, DATA_DIR)
  if (hasData(cached)) return cached
  try {
    fetchIntoCache(cache)
  } catch (e) {
    throw new Error(
      `MovieLens data not found: ${PACKAGE} is neither installed nor in ${cache}, and fetching it failed (${(e as Error).message}). ` +
      `Run: mkdir -p ${cache} && cd /tmp && apt-get download ${PACKAGE} && dpkg-deb -x ${PACKAGE}_*_all.deb ${cache}` +
      ` (or, as root: apt-get install ${PACKAGE})`,
    )
  }
  return cached
}

function column<T extends Column>(cols: Map<string, Column>, name: string, check: (v: unknown) => boolean): T {
  const c = cols.get(name)
  if (!c || !c.every((v) => v === null || check(v))) throw new Error(`dslabs movielens: column ${name} is missing or of an unexpected type`)
  return c as T
}

export function loadMovieLens(dir = dslabsDataDir()): MovieLens {
  const cols = dataFrameColumns(lazyLoadObject(readFileSync(join(dir, 'Rdata.rdx')), readFileSync(join(dir, 'Rdata.rdb')), 'movielens'))
  const isNumber = (v: unknown): boolean => typeof v === 'number'
  const isString = (v: unknown): boolean => typeof v === 'string'
  const movieId = column<(number | null)[]>(cols, 'movieId', isNumber)
  const userId = column<(number | null)[]>(cols, 'userId', isNumber)
  const rating = column<(number | null)[]>(cols, 'rating', isNumber)
  const timestamp = column<(number | null)[]>(cols, 'timestamp', isNumber)
  const title = column<(string | null)[]>(cols, 'title', isString)
  const year = column<(number | null)[]>(cols, 'year', isNumber)
  const genres = column<(string | null)[]>(cols, 'genres', isString)
  const ratings: Rating[] = []
  const movies = new Map<string, Movie>()
  for (let i = 0; i < movieId.length; i++) {
    if (movieId[i] === null || userId[i] === null || rating[i] === null || timestamp[i] === null) throw new Error(`dslabs movielens: row ${i + 1} lacks an id, rating or timestamp`)
    const id = String(movieId[i])
    ratings.push({ userId: String(userId[i]), movieId: id, rating: rating[i]!, ts: timestamp[i]! * 1000 })
    if (!movies.has(id)) {
      movies.set(id, {
        // dslabs parsed title and year out of "Title (1995)"; the few without a year (TV series) lost both.
        title: title[i] ?? `MovieLens movie ${id}`,
        year: year[i],
        genres: !genres[i] || genres[i] === '(no genres listed)' ? [] : genres[i]!.split('|'),
      })
    }
  }
  return { ratings, movies }
}

if (import.meta.main) {
  const { ratings, movies } = loadMovieLens()
  console.log(`${ratings.length} ratings, ${new Set(ratings.map((r) => r.userId)).size} users, ${movies.size} movies`)
}

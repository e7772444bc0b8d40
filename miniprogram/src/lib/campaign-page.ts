/**
 * What the group-buy and bargain pages share: where the page was opened from (a share's path, or a
 * scanned share QR whose URL WeChat hands over as `q`), opening the page (a failure is its error),
 * and running a step whose refusal the page shows as its notice, in words.
 */
import { getContext } from './app-context';
import { campaignsOf } from './campaigns';
import { ApiError, wordsFor } from './errors';

export interface CampaignQuery {
  store: string;
  campaignId: string;
  /** A friend's share code: the page joins or helps with it. */
  code: string | null;
}

/** What a campaign page opens with: a share's path (`store`, `campaign`, `code`) or a scanned share QR (`q`). */
export interface CampaignLaunch {
  store?: string;
  campaign?: string;
  code?: string;
  q?: string;
}

/** What every campaign page holds: its state, error and notice, and where it was opened from. */
export interface CampaignPageData {
  state: 'loading' | 'ready' | 'error';
  error: string;
  notice: string;
  store: string;
  campaignId: string;
  code: string;
}

export const CAMPAIGN_PAGE_DATA: CampaignPageData = {
  state: 'loading',
  error: '',
  notice: '',
  store: '',
  campaignId: '',
  code: '',
};

/** The page's store, campaign and share code; from a QR, the share link's (refused when it is another kind's). */
export async function campaignQuery(kind: 'group' | 'bargain', q: CampaignLaunch): Promise<CampaignQuery> {
  if (q.q !== undefined) {
    const l = await campaignsOf(getContext()).shareLink(q.q);
    if (l.kind !== kind) throw new ApiError('share_code_wrong_campaign', `a ${l.kind} share opened as a ${kind}`, 409);
    return { store: l.store, campaignId: l.campaignId, code: l.code };
  }
  return {
    store: q.store ?? '',
    campaignId: q.campaign ?? '',
    code: q.code === undefined ? null : decodeURIComponent(q.code),
  };
}

/**
 * Opens a campaign page: where it was opened from goes into the page's data, then `open` loads
 * what the page shows; a failure of either is the page's error, in words.
 */
export async function openCampaignPage(
  page: { setData(patch: Partial<CampaignPageData>): void },
  kind: 'group' | 'bargain',
  q: CampaignLaunch,
  open: (where: CampaignQuery) => Promise<void>,
): Promise<void> {
  try {
    const where = await campaignQuery(kind, q);
    page.setData({ store: where.store, campaignId: where.campaignId, code: where.code ?? '' });
    await open(where);
  } catch (e) {
    page.setData({ state: 'error', error: wordsFor(e) });
  }
}

/** Runs one of the page's steps; a refusal shows as the page's notice. */
export async function withNotice(
  page: { setData(patch: { notice: string }): void },
  step: () => Promise<void>,
): Promise<void> {
  try {
    await step();
  } catch (e) {
    page.setData({ notice: wordsFor(e) });
  }
}

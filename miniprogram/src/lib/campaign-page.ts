/**
 * What the group-buy and bargain pages share: where the page was opened from (a share's path, or a
 * scanned share QR whose URL WeChat hands over as `q`), and running a step whose refusal the page
 * shows as its notice, in words.
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

/** The page's store, campaign and share code; from a QR, the share link's (refused when it is another kind's). */
export async function campaignQuery(
  kind: 'group' | 'bargain',
  q: { store?: string; campaign?: string; code?: string; q?: string },
): Promise<CampaignQuery> {
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

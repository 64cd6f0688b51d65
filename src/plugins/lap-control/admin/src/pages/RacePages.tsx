import { Route, Routes } from 'react-router-dom';
import { Layouts, Page, SubNav } from '@strapi/strapi/admin';
import { RACE_PAGE_PATH, RACE_READ } from '../permissions';
import { ControlPage } from './ControlPage';
import { QueryPage } from './QueryPage';
import { QueuePage } from './QueuePage';

const SECTIONS = [
  { to: RACE_PAGE_PATH, label: 'Control', end: true },
  { to: `${RACE_PAGE_PATH}/queue`, label: 'Queue', end: false },
  { to: `${RACE_PAGE_PATH}/query`, label: 'Query', end: false },
];

/** The "Race" menu entry: Control, Queue and Query side by side, all behind `plugin::lap-control.read`. */
function RaceNav() {
  return (
    <SubNav.Main aria-label="Race">
      <SubNav.Header label="Race" />
      <SubNav.Sections>
        {SECTIONS.map((s) => (
          <SubNav.Link key={s.to} to={s.to} end={s.end} label={s.label} />
        ))}
      </SubNav.Sections>
    </SubNav.Main>
  );
}

export default function RacePages() {
  return (
    <Page.Protect permissions={RACE_READ}>
      <Layouts.Root sideNav={<RaceNav />}>
        <Routes>
          <Route index element={<ControlPage />} />
          <Route path="queue" element={<QueuePage />} />
          <Route path="query" element={<QueryPage />} />
        </Routes>
      </Layouts.Root>
    </Page.Protect>
  );
}
